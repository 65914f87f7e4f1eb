package dev.quota.bench.limiters;

import dev.quota.Algorithm;
import dev.quota.RateLimit;
import dev.quota.Subject;
import dev.quota.bench.Limiter;
import dev.quota.bench.SimulatedTime;
import dev.quota.bench.Workload;
import dev.quota.internal.Ids;
import dev.quota.plan.CounterKey;
import dev.quota.plan.CounterKeys;
import dev.quota.plan.CounterOp;
import dev.quota.plan.Plan;
import dev.quota.plan.PlanResult;
import dev.quota.plan.RateOp;
import dev.quota.plan.Settlement;
import dev.quota.store.MemoryStore;
import dev.quota.store.Store;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Quota's general store path: one hand-built plan per key, applied by {@link MemoryStore} as a
 * reservation and committed at once, which is what every engine decision that is not a prepared
 * rate-limit-only request goes through (a fresh reservation id, the plan, its result, a settle).
 */
public final class QuotaPlanLimiter implements Limiter {
  private static final long TTL_MS = 60_000;
  private static final Map<String, Long> NO_METERS = Map.of();

  private final Store store;
  private final List<List<CounterOp>> ops;

  public QuotaPlanLimiter(Workload w, SimulatedTime time, Algorithm algorithm) {
    this(w, new MemoryStore(time.clock()), algorithm);
  }

  public QuotaPlanLimiter(Workload w, Store store, Algorithm algorithm) {
    this.store = store;
    long[][] limits = new long[w.limits()][];
    for (int l = 0; l < w.limits(); l++) {
      limits[l] = w.limits(l);
    }
    this.ops = new ArrayList<>(w.keys());
    for (int k = 0; k < w.keys(); k++) {
      String subject = CounterKeys.subjectOf(Subject.of("user", Workload.keyName(k)));
      List<CounterOp> keyOps = new ArrayList<>(w.limits());
      for (int l = 0; l < w.limits(); l++) {
        RateLimit limit = new RateLimit(RateLimit.REQUESTS, limits[l][k], w.window(l), algorithm);
        CounterKey key = CounterKeys.rate(subject, limit);
        keyOps.add(new RateOp(key, true, "user:*", limit, 1));
      }
      ops.add(List.copyOf(keyOps));
    }
  }

  @Override
  public boolean tryAcquire(int keyIndex) {
    String id = Ids.newId();
    PlanResult r = store.apply(new Plan(Plan.Kind.RESERVE, ops.get(keyIndex), id, TTL_MS, null, "", null, false));
    if (r.admitted()) {
      store.settle(Settlement.commit(id, 0, NO_METERS));
    }
    return r.admitted();
  }

  @Override
  public void close() {
    store.close();
  }
}
