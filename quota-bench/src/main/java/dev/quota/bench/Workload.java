package dev.quota.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A local rate-limiting workload: how many keys, how arrivals pick them, how tight the limits are
 * and how many limits each key has. It fixes the simulated time between arrivals and every key's
 * limits, so all limiters face the same arrivals against the same limits.
 *
 * <p>Tightness: a key expected to see {@code e} arrivals per one-second window gets a limit of
 * {@code max(1, floor(share * e))} per second, where {@code share} is 0.95 ("admit": about 95%
 * admitted) or 0.05 ("deny": about 95% denied). The realised share differs a little (random
 * arrivals, whole-number limits, Zipf's rare keys); the benchmark counts and reports it.
 *
 * <p>With three limits a key also gets 60x its limit per minute and 3600x per hour, all three as
 * tight as each other over their own windows.
 */
public record Workload(int keys, Distribution distribution, Load load, int limits) {
  /** How arrivals pick keys. */
  public enum Distribution {
    UNIFORM,
    /** Zipf with exponent 1: key rank r is picked with probability proportional to 1/r. */
    ZIPF
  }

  /** How tight limits are relative to arrivals. */
  public enum Load {
    ADMIT(0.95),
    DENY(0.05);

    public final double share;

    Load(double share) {
      this.share = share;
    }
  }

  /** Arrivals per one-second window on a single hot key. */
  public static final long HOT_ARRIVALS_PER_WINDOW = 1000;
  /** Average arrivals per key per one-second window with many keys. */
  public static final long ARRIVALS_PER_KEY_PER_WINDOW = 20;

  private static final Duration[] WINDOWS = {Duration.ofSeconds(1), Duration.ofMinutes(1), Duration.ofHours(1)};
  private static final long[] MULTIPLIERS = {1, 60, 3600};

  public Workload {
    if (keys < 1) {
      throw new IllegalArgumentException("keys must be at least 1");
    }
    if (limits < 1 || limits > 3) {
      throw new IllegalArgumentException("limits must be 1, 2 or 3");
    }
  }

  public static Workload parse(int keys, String distribution, String load, int limits) {
    return new Workload(
        keys, Distribution.valueOf(distribution.toUpperCase()), Load.valueOf(load.toUpperCase()), limits);
  }

  public long arrivalsPerWindow() {
    return keys == 1 ? HOT_ARRIVALS_PER_WINDOW : ARRIVALS_PER_KEY_PER_WINDOW * keys;
  }

  /** Simulated nanoseconds between two arrivals. */
  public long tickNanos() {
    return Math.max(1, 1_000_000_000L / arrivalsPerWindow());
  }

  public Duration window(int limitIndex) {
    return WINDOWS[limitIndex];
  }

  /** Probability of each key, by key index. */
  public double[] probabilities() {
    double[] p = new double[keys];
    if (distribution == Distribution.UNIFORM) {
      Arrays.fill(p, 1.0 / keys);
      return p;
    }
    double h = 0;
    for (int k = 1; k <= keys; k++) {
      h += 1.0 / k;
    }
    for (int k = 0; k < keys; k++) {
      p[k] = 1.0 / (k + 1) / h;
    }
    return p;
  }

  /** Every key's limit for {@code limitIndex} (0: per second, 1: per minute, 2: per hour). */
  public long[] limits(int limitIndex) {
    double[] p = probabilities();
    long[] out = new long[keys];
    for (int k = 0; k < keys; k++) {
      long perSecond = Math.max(1, (long) Math.floor(load.share * p[k] * arrivalsPerWindow()));
      out[k] = perSecond * MULTIPLIERS[limitIndex];
    }
    return out;
  }

  /** {@code n} key indexes drawn with a fixed seed, so every limiter replays the same sequence. */
  public int[] draws(int n, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int[] out = new int[n];
    if (keys == 1) {
      return out;
    }
    if (distribution == Distribution.UNIFORM) {
      for (int i = 0; i < n; i++) {
        out[i] = random.nextInt(keys);
      }
      return out;
    }
    double[] cdf = probabilities();
    for (int k = 1; k < keys; k++) {
      cdf[k] += cdf[k - 1];
    }
    for (int i = 0; i < n; i++) {
      int at = Arrays.binarySearch(cdf, random.nextDouble());
      out[i] = Math.min(keys - 1, at >= 0 ? at : -at - 1);
    }
    return out;
  }

  /** A key's name as every limiter sees it. */
  public static String keyName(int index) {
    return "u" + index;
  }

  @Override
  public String toString() {
    return (keys == 1 ? "hot key" : keys + " keys " + distribution.name().toLowerCase())
        + ", " + load.name().toLowerCase() + ", " + limits + (limits == 1 ? " limit" : " limits");
  }
}
