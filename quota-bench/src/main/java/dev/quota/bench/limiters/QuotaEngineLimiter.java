package dev.quota.bench.limiters;

import dev.quota.Algorithm;
import dev.quota.Policy;
import dev.quota.PreparedRequest;
import dev.quota.Quota;
import dev.quota.QuotaRequest;
import dev.quota.RateLimit;
import dev.quota.Selector;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.MemoryConfigRepository;
import dev.quota.bench.Limiter;
import dev.quota.bench.SimulatedTime;
import dev.quota.bench.Workload;
import dev.quota.store.MemoryStore;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Quota as an application uses it for plain rate limiting: the {@link Quota} engine on the
 * in-memory store, one {@link PreparedRequest} per key (found by key name, as the peers' limiters
 * are), {@code tryAcquire()} per call. When all
 * keys share a limit there is one policy {@code user:*}; when limits differ per key (Zipf) each
 * key has its own exact policy {@code user:<key>}.
 */
public final class QuotaEngineLimiter implements Limiter {
  private final Quota quota;
  private final String[] names;
  private final ConcurrentHashMap<String, PreparedRequest> prepared = new ConcurrentHashMap<>();

  public QuotaEngineLimiter(Workload w, SimulatedTime time, Algorithm algorithm) {
    long[][] limits = new long[w.limits()][];
    boolean shared = true;
    for (int l = 0; l < w.limits(); l++) {
      limits[l] = w.limits(l);
      for (long v : limits[l]) {
        shared &= v == limits[l][0];
      }
    }
    // Loaded straight into the repository: one index build instead of one per admin call.
    MemoryConfigRepository config = new MemoryConfigRepository();
    for (int k = 0; k < (shared ? 1 : w.keys()); k++) {
      Policy.Builder p = Policy.builder(shared ? Selector.of("user", Selector.ANY) : Selector.of("user", Workload.keyName(k)));
      for (int l = 0; l < w.limits(); l++) {
        p.rateLimit(new RateLimit(RateLimit.REQUESTS, limits[l][k], w.window(l), algorithm));
      }
      Policy policy = p.build();
      config.putPolicy(policy, replaced -> new AuditEntry(0, Instant.EPOCH, "bench", "put", policy.selector().toString(), null, null, "setup"));
    }
    quota = Quota.builder().clock(time.clock()).store(new MemoryStore(time.clock())).config(config).build();
    names = new String[w.keys()];
    for (int k = 0; k < w.keys(); k++) {
      names[k] = Workload.keyName(k);
      prepared.put(names[k], quota.prepare(QuotaRequest.builder().user(Workload.keyName(k)).build()));
    }
  }

  @Override
  public boolean tryAcquire(int keyIndex) {
    return prepared.get(names[keyIndex]).tryAcquire();
  }

  @Override
  public void close() {
    quota.close();
  }
}
