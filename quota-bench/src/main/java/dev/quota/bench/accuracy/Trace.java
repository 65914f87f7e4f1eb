package dev.quota.bench.accuracy;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Arrival times (nanoseconds from the start, ascending) for one key, relative to a limit of
 * {@code limit} per one-second window.
 */
public final class Trace {
  private Trace() {}

  public static final long SECOND = 1_000_000_000L;

  /** Poisson arrivals at {@code factor x limit} per second for {@code seconds}. */
  public static long[] poisson(long limit, double factor, int seconds, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    double meanGap = SECOND / (limit * factor);
    long end = seconds * SECOND;
    long[] out = new long[(int) (limit * factor * seconds * 1.2) + 16];
    int n = 0;
    double t = 0;
    while (true) {
      t += -Math.log(1 - random.nextDouble()) * meanGap;
      if (t >= end) {
        break;
      }
      if (n == out.length) {
        out = Arrays.copyOf(out, n * 2);
      }
      out[n++] = (long) t;
    }
    return Arrays.copyOf(out, n);
  }

  /**
   * Bursts: Poisson at {@code 4 x limit} per second for half a second, then 1.5 s of silence; the
   * mean rate equals the limit, the peaks are four times it.
   */
  public static long[] bursty(long limit, int seconds, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    double meanGap = SECOND / (limit * 4.0);
    long[] out = new long[(int) (limit * seconds * 1.3) + 16];
    int n = 0;
    for (long cycle = 0; cycle * 2 * SECOND < seconds * SECOND; cycle++) {
      double t = cycle * 2.0 * SECOND;
      double burstEnd = t + SECOND / 2.0;
      while (true) {
        t += -Math.log(1 - random.nextDouble()) * meanGap;
        if (t >= burstEnd) {
          break;
        }
        if (n == out.length) {
          out = Arrays.copyOf(out, n * 2);
        }
        out[n++] = (long) t;
      }
    }
    return Arrays.copyOf(out, n);
  }

  /**
   * The fixed-window trap: {@code limit} arrivals spread over the 10 ms before a second boundary
   * and {@code limit} more over the 10 ms after it, every three seconds (offset by 0.5 ms so the
   * boundary never falls exactly on a millisecond a limiter might round to).
   */
  public static long[] boundary(long limit, int seconds) {
    int cycles = Math.max(1, seconds / 3);
    long[] out = new long[(int) (2 * limit * cycles)];
    int n = 0;
    long spread = 10_000_000L;
    for (int c = 0; c < cycles; c++) {
      long edge = (3L * c + 2) * SECOND + 500_000;
      for (long i = 0; i < limit; i++) {
        out[n++] = edge - spread + i * spread / limit;
      }
      for (long i = 0; i < limit; i++) {
        out[n++] = edge + i * spread / limit;
      }
    }
    return out;
  }
}
