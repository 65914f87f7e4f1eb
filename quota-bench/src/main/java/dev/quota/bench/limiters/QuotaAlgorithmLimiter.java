package dev.quota.bench.limiters;

import dev.quota.Algorithm;
import dev.quota.bench.Limiter;
import dev.quota.bench.SimulatedTime;
import dev.quota.bench.Workload;
import dev.quota.internal.SlidingWindow;
import dev.quota.internal.TokenBucket;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Quota's counting algorithms alone, with no plan, reservation or result objects: each key's
 * counters in a concurrent map, taken under the key's monitor. This is the floor for the store
 * path and the most like-for-like comparison with a peer's {@code tryConsume}.
 */
public final class QuotaAlgorithmLimiter implements Limiter {
  private final SimulatedTime time;
  private final Algorithm algorithm;
  private final String[] names;
  private final ConcurrentHashMap<String, Counters> counters = new ConcurrentHashMap<>();

  private static final class Counters {
    final long[] limits;
    final SlidingWindow[] windows;
    final TokenBucket[] buckets;

    Counters(long[] limits, SlidingWindow[] windows, TokenBucket[] buckets) {
      this.limits = limits;
      this.windows = windows;
      this.buckets = buckets;
    }
  }

  public QuotaAlgorithmLimiter(Workload w, SimulatedTime time, Algorithm algorithm) {
    this.time = time;
    this.algorithm = algorithm;
    this.names = new String[w.keys()];
    long[][] limits = new long[w.limits()][];
    for (int l = 0; l < w.limits(); l++) {
      limits[l] = w.limits(l);
    }
    long nowMs = time.nanos() / 1_000_000;
    for (int k = 0; k < w.keys(); k++) {
      names[k] = Workload.keyName(k);
      long[] keyLimits = new long[w.limits()];
      SlidingWindow[] windows = new SlidingWindow[w.limits()];
      TokenBucket[] buckets = new TokenBucket[w.limits()];
      for (int l = 0; l < w.limits(); l++) {
        keyLimits[l] = limits[l][k];
        long windowMs = w.window(l).toMillis();
        if (algorithm == Algorithm.SLIDING_WINDOW) {
          windows[l] = new SlidingWindow(windowMs);
        } else {
          buckets[l] = new TokenBucket(keyLimits[l], windowMs, nowMs);
        }
      }
      counters.put(names[k], new Counters(keyLimits, windows, buckets));
    }
  }

  @Override
  public boolean tryAcquire(int keyIndex) {
    Counters c = counters.get(names[keyIndex]);
    long nowMs = time.nanos() / 1_000_000;
    synchronized (c) {
      if (algorithm == Algorithm.SLIDING_WINDOW) {
        SlidingWindow[] ws = c.windows;
        for (int l = 0; l < ws.length; l++) {
          ws[l].advance(nowMs);
          if (ws[l].used() + 1 > c.limits[l]) {
            return false;
          }
        }
        for (SlidingWindow w : ws) {
          w.add(nowMs, 1);
        }
        return true;
      }
      TokenBucket[] bs = c.buckets;
      for (TokenBucket b : bs) {
        b.advance(nowMs);
        if (!b.hasRoom(1)) {
          return false;
        }
      }
      for (TokenBucket b : bs) {
        b.take(1);
      }
      return true;
    }
  }
}
