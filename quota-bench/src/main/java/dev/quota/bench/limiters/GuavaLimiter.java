package dev.quota.bench.limiters;

import com.google.common.util.concurrent.GuavaLimiters;
import com.google.common.util.concurrent.RateLimiter;
import dev.quota.bench.Limiter;
import dev.quota.bench.SimulatedTime;
import dev.quota.bench.Workload;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Guava's bursty {@link RateLimiter}, one per key and limit: {@code limit / window} permits a
 * second with up to one window of permits saved. Several limits are tried in turn, as with
 * Resilience4j, so a later denial has already consumed from the earlier ones.
 */
public final class GuavaLimiter implements Limiter {
  private final String[] names;
  private final ConcurrentHashMap<String, RateLimiter[]> limiters = new ConcurrentHashMap<>();

  public GuavaLimiter(Workload w, SimulatedTime time) {
    names = new String[w.keys()];
    long[][] limits = new long[w.limits()][];
    for (int l = 0; l < w.limits(); l++) {
      limits[l] = w.limits(l);
    }
    for (int k = 0; k < w.keys(); k++) {
      names[k] = Workload.keyName(k);
      RateLimiter[] rs = new RateLimiter[w.limits()];
      for (int l = 0; l < w.limits(); l++) {
        double seconds = w.window(l).toMillis() / 1000.0;
        rs[l] = GuavaLimiters.bursty(limits[l][k] / seconds, seconds, time.micros());
      }
      limiters.put(names[k], rs);
    }
  }

  @Override
  public boolean tryAcquire(int keyIndex) {
    for (RateLimiter r : limiters.get(names[keyIndex])) {
      if (!r.tryAcquire()) {
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
