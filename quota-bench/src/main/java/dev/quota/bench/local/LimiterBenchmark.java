package dev.quota.bench.local;

import dev.quota.bench.Limiter;
import dev.quota.bench.SimulatedTime;
import dev.quota.bench.Workload;
import dev.quota.bench.limiters.Limiters;
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
 * One rate-limit decision per operation, Quota and peers on identical arrivals (workload A).
 * Every limiter reads the same {@link SimulatedTime}, advanced one arrival per operation, so a
 * workload's admitted share does not depend on how fast the limiter is. The admitted and denied
 * counts come out as secondary results, so the report can show the share each limiter really saw.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LimiterBenchmark {
  static final int DRAWS = 1 << 20;

  @Param({"quota", "quota-store", "bucket4j", "resilience4j", "guava"})
  public String limiter;

  @Param({"1", "10000"})
  public int keys;

  @Param({"uniform", "zipf"})
  public String distribution;

  @Param({"admit", "deny"})
  public String load;

  @Param({"1", "3"})
  public int limits;

  SimulatedTime time;
  Workload workload;
  Limiter impl;
  int[] draws;
  final AtomicInteger threads = new AtomicInteger();

  @Setup(Level.Trial)
  public void setUp() {
    workload = Workload.parse(keys, distribution, load, limits);
    time = new SimulatedTime();
    impl = Limiters.create(limiter, workload, time);
    draws = workload.draws(DRAWS, 42);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    impl.close();
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
    public void setUp(LimiterBenchmark b) {
      cursor = b.threads.getAndIncrement() * (DRAWS / 2);
      ticker = new SimulatedTime.Ticker(b.time, b.workload.tickNanos());
    }

    @Setup(Level.Iteration)
    public void reset() {
      admitted = 0;
      denied = 0;
    }
  }

  @Benchmark
  public boolean acquire(Arrivals a) {
    a.ticker.tick();
    boolean ok = impl.tryAcquire(draws[a.cursor++ & (DRAWS - 1)]);
    if (ok) {
      a.admitted++;
    } else {
      a.denied++;
    }
    return ok;
  }
}
