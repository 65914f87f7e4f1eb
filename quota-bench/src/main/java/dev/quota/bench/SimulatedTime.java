package dev.quota.bench;

import io.github.bucket4j.TimeMeter;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * One clock that every limiter in a run reads, Quota and peers alike, advanced by the workload
 * rather than by the wall clock. Admission ratios then depend on the workload alone (95% admitted
 * means 95% whether a limiter runs at 10 or 100 million calls a second) and every limiter sees
 * exactly the same arrival times.
 *
 * <p>Threads advance it in batches (see {@link Ticker}) so that the shared counter is not itself
 * the bottleneck being measured.
 */
public final class SimulatedTime {
  /** 2026-01-15T00:00:00Z, so budget periods are the same in every run. */
  public static final long START_NANOS = 1_768_435_200_000_000_000L;

  private final AtomicLong nanos = new AtomicLong(START_NANOS);

  public long nanos() {
    return nanos.get();
  }

  public void advance(long deltaNanos) {
    nanos.addAndGet(deltaNanos);
  }

  /** Moves to {@code atNanos}; replay harnesses only, which are single-threaded. */
  public void set(long atNanos) {
    nanos.set(atNanos);
  }

  public Clock clock() {
    return new SimClock(this);
  }

  public TimeMeter timeMeter() {
    return new TimeMeter() {
      @Override
      public long currentTimeNanos() {
        return nanos.get();
      }

      @Override
      public boolean isWallClockBased() {
        return false;
      }
    };
  }

  /** Resilience4j's hook boxes every reading; that cost is Resilience4j's API, not ours to hide. */
  public Supplier<Long> nanoSupplier() {
    return nanos::get;
  }

  public LongSupplier micros() {
    return () -> nanos.get() / 1000;
  }

  /** Per-thread batching of clock advances: each call is one arrival, {@code tickNanos} apart. */
  public static final class Ticker {
    private static final int BATCH = 64;
    private final SimulatedTime time;
    private final long tickNanos;
    private int pending;

    public Ticker(SimulatedTime time, long tickNanos) {
      this.time = time;
      this.tickNanos = tickNanos;
    }

    public void tick() {
      if (++pending == BATCH) {
        pending = 0;
        time.advance(BATCH * tickNanos);
      }
    }
  }

  private static final class SimClock extends Clock {
    private final SimulatedTime time;

    SimClock(SimulatedTime time) {
      this.time = time;
    }

    @Override
    public long millis() {
      return time.nanos() / 1_000_000;
    }

    @Override
    public Instant instant() {
      long n = time.nanos();
      return Instant.ofEpochSecond(n / 1_000_000_000, n % 1_000_000_000);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }
}
