package dev.quota.bench;

import dev.quota.Algorithm;
import dev.quota.Budget;
import dev.quota.Money;
import dev.quota.Policy;
import dev.quota.Quota;
import dev.quota.QuotaRequest;
import dev.quota.bench.limiters.Bucket4jLimiter;
import dev.quota.bench.limiters.QuotaPlanLimiter;
import dev.quota.bench.limiters.QuotaStoreLimiter;
import dev.quota.store.MemoryStore;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Workload E, JVM side: heap retained per subject by {@link MemoryStore}, measured as the change in
 * used heap after full collections. Each subject takes one decision, then a second one, so the
 * second delta shows what every further decision keeps (zero for a store that forgets settled
 * reservations). A Bucket4j bucket per key is measured the same way for scale.
 */
public final class HeapProbe {
  private HeapProbe() {}

  public record Result(String what, int subjects, int limits, double bytesPerSubject, double bytesPerLaterDecision) {}

  public static List<Result> run(int subjects) {
    List<Result> out = new ArrayList<>();
    for (int limits : new int[] {1, 3}) {
      Workload w = new Workload(subjects, Workload.Distribution.UNIFORM, Workload.Load.ADMIT, limits);
      out.add(quotaPrepared(w));
      out.add(quotaStore(w));
      out.add(bucket4j(w));
    }
    return out;
  }

  /** Heap kept by reservations that are neither committed nor released yet. */
  public record Held(int users, int reservations, double bytesPerHeldReservation) {}

  /**
   * The HTTP workload's reservations, through the engine on {@link MemoryStore}: one rate limit
   * and a daily budget per user, users taken in turn, nothing settled. Measured after every user
   * has one reservation (so counters and compilations already exist): what each further held
   * reservation keeps until it is settled or expires.
   */
  public static Held held(int users, int reservations) {
    SimulatedTime time = new SimulatedTime();
    try (Quota quota = Quota.builder().clock(time.clock()).store(new MemoryStore(time.clock())).build()) {
      quota.admin().putPolicy(
          Policy.builder("user:*").rateLimit(1_000_000_000L, Duration.ofMinutes(1))
              .budget(Budget.of("USD", Money.of("1000000"), null, null)).build(),
          "bench", "held reservations");
      QuotaRequest[] requests = new QuotaRequest[users];
      for (int u = 0; u < users; u++) {
        requests[u] = QuotaRequest.builder().user("u" + u).estimatedCost("0.0001").build();
        reserve(quota, requests[u]);
      }
      long before = usedHeap();
      for (int i = 0; i < reservations; i++) {
        reserve(quota, requests[i % users]);
      }
      long after = usedHeap();
      keep(quota);
      return new Held(users, reservations, (after - before) / (double) reservations);
    }
  }

  private static void reserve(Quota quota, QuotaRequest request) {
    if (!quota.reserve(request).admitted()) {
      throw new IllegalStateException("the held-reservation workload must admit every request");
    }
  }

  private static Result quotaPrepared(Workload w) {
    SimulatedTime time = new SimulatedTime();
    long before = usedHeap();
    QuotaStoreLimiter limiter = new QuotaStoreLimiter(w, time, Algorithm.SLIDING_WINDOW);
    for (int k = 0; k < w.keys(); k++) {
      limiter.tryAcquire(k);
    }
    long afterFirst = usedHeap();
    time.advance(10_000_000);
    for (int k = 0; k < w.keys(); k++) {
      limiter.tryAcquire(k);
    }
    long afterSecond = usedHeap();
    keep(limiter);
    // Includes the prepared ops and their key strings, as Bucket4j's figure includes its key strings.
    return new Result(
        "quota PreparedOps.tryConsume (prepared rate limits, sliding window)", w.keys(), w.limits(),
        (afterFirst - before) / (double) w.keys(), (afterSecond - afterFirst) / (double) w.keys());
  }

  private static Result quotaStore(Workload w) {
    SimulatedTime time = new SimulatedTime();
    MemoryStore store = new MemoryStore(time.clock());
    QuotaPlanLimiter limiter = new QuotaPlanLimiter(w, store, Algorithm.SLIDING_WINDOW);
    long before = usedHeap();
    for (int k = 0; k < w.keys(); k++) {
      limiter.tryAcquire(k);
    }
    long afterFirst = usedHeap();
    time.advance(10_000_000); // a later slice, as a later decision would land in
    for (int k = 0; k < w.keys(); k++) {
      limiter.tryAcquire(k);
    }
    long afterSecond = usedHeap();
    if (store.counterCount() != w.keys() * w.limits()) {
      throw new IllegalStateException("expected one counter per subject and limit, got " + store.counterCount());
    }
    double perSubject = (afterFirst - before) / (double) w.keys();
    double perLater = (afterSecond - afterFirst) / (double) w.keys();
    keep(limiter);
    return new Result("quota MemoryStore.apply + settle (reservation path, sliding window)", w.keys(), w.limits(), perSubject, perLater);
  }

  private static Result bucket4j(Workload w) {
    SimulatedTime time = new SimulatedTime();
    long before = usedHeap();
    Bucket4jLimiter limiter = new Bucket4jLimiter(w, time);
    for (int k = 0; k < w.keys(); k++) {
      limiter.tryAcquire(k);
    }
    long afterFirst = usedHeap();
    time.advance(10_000_000);
    for (int k = 0; k < w.keys(); k++) {
      limiter.tryAcquire(k);
    }
    long afterSecond = usedHeap();
    keep(limiter);
    // Includes the key strings and map entries, as Quota's figure includes its counter keys.
    return new Result(
        "bucket4j local bucket in a ConcurrentHashMap", w.keys(), w.limits(),
        (afterFirst - before) / (double) w.keys(), (afterSecond - afterFirst) / (double) w.keys());
  }

  private static volatile Object sink;

  private static void keep(Object o) {
    sink = o;
    sink = null;
  }

  static long usedHeap() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  static Map<String, Object> asMap(Result r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("what", r.what());
    m.put("subjects", r.subjects());
    m.put("limits", r.limits());
    m.put("bytesPerSubject", r.bytesPerSubject());
    m.put("bytesPerLaterDecision", r.bytesPerLaterDecision());
    return m;
  }
}
