package dev.quota.bench.local;

import dev.quota.Budget;
import dev.quota.Decision;
import dev.quota.Money;
import dev.quota.Policy;
import dev.quota.PreparedRequest;
import dev.quota.Quota;
import dev.quota.QuotaRequest;
import dev.quota.RateLimit;
import dev.quota.bench.SimulatedTime;
import dev.quota.store.MemoryStore;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A full decision through {@link Quota} on the in-memory store (workload A, "full decision"): the
 * request names a user, a team and a project; each has a per-second, per-minute and per-hour limit
 * and the project also a daily and a monthly budget, so one decision moves 11 counters.
 *
 * <p>Limits are generous (nearly everything is admitted) because this measures the engine's own
 * cost: policy resolution, plan compilation, the store, and the decision object. Requests are
 * built once per user and reused, as their content does not change.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DecisionBenchmark {
  static final int DRAWS = 1 << 20;

  /** 1 is a hot user (and team and project); otherwise users, with users/100 teams and users/10 projects. */
  @Param({"1", "10000"})
  public int users;

  SimulatedTime time;
  Quota quota;
  QuotaRequest[] requests;
  PreparedRequest[] prepared;
  int[] draws;
  long tickNanos;
  final AtomicInteger threads = new AtomicInteger();

  @Setup(Level.Trial)
  public void setUp() {
    time = new SimulatedTime();
    quota = Quota.builder().clock(time.clock()).store(new MemoryStore(time.clock())).build();
    Budget budget = Budget.of("USD", Money.of("100000"), Money.of("1000000"), null);
    put(Policy.builder("user:*").rateLimit(100_000, Duration.ofSeconds(1)).rateLimit(6_000_000, Duration.ofMinutes(1))
        .rateLimit(360_000_000, Duration.ofHours(1)).build());
    put(Policy.builder("team:*").rateLimit(1_000_000, Duration.ofSeconds(1)).rateLimit(60_000_000, Duration.ofMinutes(1))
        .rateLimit(2_000_000_000L, Duration.ofHours(1)).build());
    put(Policy.builder("project:*").rateLimit(1_000_000, Duration.ofSeconds(1))
        .rateLimit(60_000_000, Duration.ofMinutes(1)).rateLimit(2_000_000_000L, Duration.ofHours(1))
        .budget(budget).build());
    requests = new QuotaRequest[users];
    for (int u = 0; u < users; u++) {
      requests[u] =
          QuotaRequest.builder().user("u" + u).team("t" + u % Math.max(1, users / 100))
              .project("p" + u % Math.max(1, users / 10)).estimatedCost(Money.of("0.001")).build();
    }
    prepared = new PreparedRequest[users];
    for (int u = 0; u < users; u++) {
      prepared[u] = quota.prepare(requests[u]);
    }
    draws = new int[DRAWS];
    SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < DRAWS; i++) {
      draws[i] = random.nextInt(users);
    }
    // About 20 arrivals per user per second, 1000 on a hot user: no rate limit binds.
    tickNanos = 1_000_000_000L / (users == 1 ? 1000 : 20L * users);
  }

  private void put(Policy p) {
    quota.admin().putPolicy(p, "bench", "benchmark setup");
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    quota.close();
  }

  /** One benchmark thread's place in the arrival sequence and what it saw. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Arrivals {
    public long admitted;
    public long denied;
    int cursor;
    SimulatedTime.Ticker ticker;

    @Setup(Level.Trial)
    public void setUp(DecisionBenchmark b) {
      cursor = b.threads.getAndIncrement() * (DRAWS / 2);
      ticker = new SimulatedTime.Ticker(b.time, b.tickNanos);
    }

    @Setup(Level.Iteration)
    public void reset() {
      admitted = 0;
      denied = 0;
    }
  }

  /** reserve, then release at once: a full decision whose holds go back, so budgets never run out. */
  @Benchmark
  public Decision reserveRelease(Arrivals a) {
    a.ticker.tick();
    Decision d = quota.reserve(requests[draws[a.cursor++ & (DRAWS - 1)]]);
    if (d.admitted()) {
      a.admitted++;
      quota.release(d.reservationId());
    } else {
      a.denied++;
    }
    return d;
  }

  /**
   * The same full decision through a prepared request: resolved and compiled once, applied by the
   * in-memory store's fast path; the estimate is charged at once (and written to the ledger).
   */
  @Benchmark
  public boolean preparedTryAcquire(Arrivals a) {
    a.ticker.tick();
    boolean ok = prepared[draws[a.cursor++ & (DRAWS - 1)]].tryAcquire();
    if (ok) {
      a.admitted++;
    } else {
      a.denied++;
    }
    return ok;
  }

  /** check: the same decision as a dry run, no counter moves. */
  @Benchmark
  public Decision check(Arrivals a) {
    a.ticker.tick();
    Decision d = quota.check(requests[draws[a.cursor++ & (DRAWS - 1)]]);
    if (d.admitted()) {
      a.admitted++;
    } else {
      a.denied++;
    }
    return d;
  }
}
