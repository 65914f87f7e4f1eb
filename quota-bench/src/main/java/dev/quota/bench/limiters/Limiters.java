package dev.quota.bench.limiters;

import dev.quota.Algorithm;
import dev.quota.bench.Limiter;
import dev.quota.bench.SimulatedTime;
import dev.quota.bench.Workload;
import java.util.List;

/** The limiters a local benchmark can name. */
public final class Limiters {
  private Limiters() {}

  public static final List<String> ALL =
      List.of("quota", "quota-tb", "quota-store", "quota-plan", "quota-window", "quota-bucket", "bucket4j",
          "resilience4j", "guava");

  public static Limiter create(String name, Workload w, SimulatedTime time) {
    return switch (name) {
      case "quota" -> new QuotaEngineLimiter(w, time, Algorithm.SLIDING_WINDOW);
      case "quota-tb" -> new QuotaEngineLimiter(w, time, Algorithm.TOKEN_BUCKET);
      case "quota-store" -> new QuotaStoreLimiter(w, time, Algorithm.SLIDING_WINDOW);
      case "quota-plan" -> new QuotaPlanLimiter(w, time, Algorithm.SLIDING_WINDOW);
      case "quota-window" -> new QuotaAlgorithmLimiter(w, time, Algorithm.SLIDING_WINDOW);
      case "quota-bucket" -> new QuotaAlgorithmLimiter(w, time, Algorithm.TOKEN_BUCKET);
      case "bucket4j" -> new Bucket4jLimiter(w, time);
      case "resilience4j" -> new Resilience4jLimiter(w, time);
      case "guava" -> new GuavaLimiter(w, time);
      default -> throw new IllegalArgumentException("unknown limiter '" + name + "'; known: " + ALL);
    };
  }

  /** What each limiter is, for the report. */
  public static String describe(String name) {
    return switch (name) {
      case "quota" -> "Quota engine, PreparedRequest.tryAcquire() on MemoryStore, sliding window (the product path)";
      case "quota-tb" -> "Quota engine, PreparedRequest.tryAcquire() on MemoryStore, token bucket";
      case "quota-store" -> "Quota MemoryStore.prepare + PreparedOps.tryConsume with hand-built rate ops (the fast path without the engine)";
      case "quota-plan" -> "Quota MemoryStore.apply(plan) as a reservation + settle (the general store path)";
      case "quota-window" -> "Quota SlidingWindow counters in a ConcurrentHashMap, per-key monitor";
      case "quota-bucket" -> "Quota TokenBucket counters in a ConcurrentHashMap, per-key monitor";
      case "bucket4j" -> "Bucket4j 8.19 local bucket tryConsume(1), greedy refill, lock-free";
      case "resilience4j" -> "Resilience4j 2.4 AtomicRateLimiter.acquirePermission, one per limit";
      case "guava" -> "Guava RateLimiter (SmoothBursty) tryAcquire, one per limit";
      default -> name;
    };
  }
}
