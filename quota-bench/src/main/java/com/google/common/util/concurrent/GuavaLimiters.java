package com.google.common.util.concurrent;

import java.util.function.LongSupplier;

/**
 * Builds Guava's bursty {@link RateLimiter} on a caller's clock. Guava keeps its stopwatch hook
 * package-private (its own tests use it the same way), so this lives in Guava's package.
 */
public final class GuavaLimiters {
  private GuavaLimiters() {}

  /**
   * A limiter of {@code permitsPerSecond} that may save up to {@code maxBurstSeconds} of permits,
   * reading time in microseconds from {@code micros}. It never sleeps: only {@code tryAcquire()} is used.
   */
  public static RateLimiter bursty(double permitsPerSecond, double maxBurstSeconds, LongSupplier micros) {
    RateLimiter.SleepingStopwatch stopwatch =
        new RateLimiter.SleepingStopwatch() {
          @Override
          protected long readMicros() {
            return micros.getAsLong();
          }

          @Override
          protected void sleepMicrosUninterruptibly(long m) {
            // tryAcquire() "sleeps" 0 on success; anything longer would mean a blocking acquire.
            if (m > 0) {
              throw new IllegalStateException("benchmarks never wait for a permit");
            }
          }
        };
    RateLimiter limiter = new SmoothRateLimiter.SmoothBursty(stopwatch, maxBurstSeconds);
    limiter.setRate(permitsPerSecond);
    return limiter;
  }
}
