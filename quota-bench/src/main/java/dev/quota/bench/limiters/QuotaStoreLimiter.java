package dev.quota.bench.limiters;

import dev.quota.Algorithm;
import dev.quota.RateLimit;
import dev.quota.Subject;
import dev.quota.bench.Limiter;
import dev.quota.bench.SimulatedTime;
import dev.quota.bench.Workload;
import dev.quota.plan.CounterKeys;
import dev.quota.plan.RateOp;
import dev.quota.store.MemoryStore;
import dev.quota.store.PreparedOps;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Quota's in-memory fast path at the store: {@link MemoryStore#prepare} on hand-built rate ops,
 * one prepared set per key (found by key name, as the peers' limiters are), consumed with
 * {@link PreparedOps#tryConsume}. This is what a prepared request reaches once the engine has
 * compiled it; the difference to {@link QuotaEngineLimiter} is the engine's own cost.
 */
public final class QuotaStoreLimiter implements Limiter {
  private final MemoryStore store;
  private final String[] names;
  private final ConcurrentHashMap<String, PreparedOps> prepared = new ConcurrentHashMap<>();

  public QuotaStoreLimiter(Workload w, SimulatedTime time, Algorithm algorithm) {
    this.store = new MemoryStore(time.clock());
    long[][] limits = new long[w.limits()][];
    for (int l = 0; l < w.limits(); l++) {
      limits[l] = w.limits(l);
    }
    names = new String[w.keys()];
    for (int k = 0; k < w.keys(); k++) {
      String subject = CounterKeys.subjectOf(Subject.of("user", Workload.keyName(k)));
      RateOp[] ops = new RateOp[w.limits()];
      for (int l = 0; l < w.limits(); l++) {
        RateLimit limit = new RateLimit(RateLimit.REQUESTS, limits[l][k], w.window(l), algorithm);
        ops[l] = new RateOp(CounterKeys.rate(subject, limit), true, "user:*", limit, 1);
      }
      names[k] = Workload.keyName(k);
      prepared.put(names[k], store.prepare(ops));
    }
  }

  @Override
  public boolean tryAcquire(int keyIndex) {
    return prepared.get(names[keyIndex]).tryConsume(null, null) == PreparedOps.ADMITTED;
  }

  @Override
  public void close() {
    store.close();
  }
}
