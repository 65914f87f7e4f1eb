package dev.quota.bench.limiters;

import dev.quota.bench.Limiter;
import dev.quota.bench.SimulatedTime;
import dev.quota.bench.Workload;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Resilience4j's {@link AtomicRateLimiter} (fixed refresh cycles), one per key and limit. It has
 * one limit per limiter, so several limits are several limiters tried in turn: a denial by a later
 * one has already consumed from the earlier ones.
 */
public final class Resilience4jLimiter implements Limiter {
  private final String[] names;
  private final ConcurrentHashMap<String, AtomicRateLimiter[]> limiters = new ConcurrentHashMap<>();

  public Resilience4jLimiter(Workload w, SimulatedTime time) {
    names = new String[w.keys()];
    long[][] limits = new long[w.limits()][];
    for (int l = 0; l < w.limits(); l++) {
      limits[l] = w.limits(l);
    }
    for (int k = 0; k < w.keys(); k++) {
      names[k] = Workload.keyName(k);
      AtomicRateLimiter[] rs = new AtomicRateLimiter[w.limits()];
      for (int l = 0; l < w.limits(); l++) {
        RateLimiterConfig config =
            RateLimiterConfig.custom()
                .limitForPeriod((int) Math.min(Integer.MAX_VALUE, limits[l][k]))
                .limitRefreshPeriod(w.window(l))
                .timeoutDuration(Duration.ZERO)
                .build();
        rs[l] = new AtomicRateLimiter(names[k] + "/" + l, config, time.nanoSupplier());
      }
      limiters.put(names[k], rs);
    }
  }

  @Override
  public boolean tryAcquire(int keyIndex) {
    for (AtomicRateLimiter r : limiters.get(names[keyIndex])) {
      if (!r.acquirePermission(1)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean atomicAcrossLimits() {
    return false;
  }
}
