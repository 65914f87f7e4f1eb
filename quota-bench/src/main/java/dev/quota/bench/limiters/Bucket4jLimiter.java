package dev.quota.bench.limiters;

import dev.quota.bench.Limiter;
import dev.quota.bench.SimulatedTime;
import dev.quota.bench.Workload;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.local.LocalBucketBuilder;
import java.util.concurrent.ConcurrentHashMap;

/** Bucket4j's local bucket (its default lock-free strategy), one per key, one bandwidth per limit, greedy refill. */
public final class Bucket4jLimiter implements Limiter {
  private final String[] names;
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

  public Bucket4jLimiter(Workload w, SimulatedTime time) {
    names = new String[w.keys()];
    long[][] limits = new long[w.limits()][];
    for (int l = 0; l < w.limits(); l++) {
      limits[l] = w.limits(l);
    }
    for (int k = 0; k < w.keys(); k++) {
      names[k] = Workload.keyName(k);
      LocalBucketBuilder b = Bucket.builder().withCustomTimePrecision(time.timeMeter());
      for (int l = 0; l < w.limits(); l++) {
        long limit = limits[l][k];
        b.addLimit(Bandwidth.builder().capacity(limit).refillGreedy(limit, w.window(l)).build());
      }
      buckets.put(names[k], b.build());
    }
  }

  @Override
  public boolean tryAcquire(int keyIndex) {
    return buckets.get(names[keyIndex]).tryConsume(1);
  }
}
