package dev.quota.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/** The strict sliding window against an exact sliding log, on random traces. */
class SlidingWindowPropertyTest {

  /** Arrival times of a Poisson process at {@code load} times the limit's rate, optionally in bursts. */
  static long[] trace(long seed, int limit, long windowMs, double load, boolean bursty, int windows) {
    Random rnd = new Random(seed);
    List<Long> times = new ArrayList<>();
    double rate = limit * load / windowMs;
    double t = 0;
    while (t < windowMs * (double) windows) {
      t += -Math.log(1 - rnd.nextDouble()) / rate * (bursty ? 8 : 1);
      int burst = bursty ? 1 + rnd.nextInt(15) : 1;
      for (int i = 0; i < burst; i++) {
        times.add((long) t);
      }
    }
    return times.stream().mapToLong(Long::longValue).toArray();
  }

  /**
   * The oracle: admit iff fewer than {@code limit} admissions lie in [t - window, t]. Stamps are
   * whole milliseconds, so stamps t - window and t may stand for real times less than a window
   * apart; strict in real time means counting both.
   */
  static boolean[] exactLog(long[] times, int limit, long windowMs) {
    boolean[] admitted = new boolean[times.length];
    ArrayDeque<Long> log = new ArrayDeque<>();
    for (int i = 0; i < times.length; i++) {
      while (!log.isEmpty() && log.peekFirst() < times[i] - windowMs) {
        log.pollFirst();
      }
      if (log.size() < limit) {
        log.addLast(times[i]);
        admitted[i] = true;
      }
    }
    return admitted;
  }

  static boolean[] slidingWindow(long[] times, int limit, long windowMs) {
    SlidingWindow w = new SlidingWindow(windowMs);
    boolean[] admitted = new boolean[times.length];
    for (int i = 0; i < times.length; i++) {
      w.advance(times[i]);
      if (w.used() + 1 <= limit) {
        w.add(times[i], 1);
        admitted[i] = true;
      }
    }
    return admitted;
  }

  @Property(tries = 300)
  void neverAdmitsMoreThanTheLimitInAnyWindow(
      @ForAll long seed,
      @ForAll @IntRange(min = 1, max = 500) int limit,
      @ForAll @LongRange(min = 1000, max = 3_600_000) long windowMs,
      @ForAll @IntRange(min = 50, max = 500) int loadPercent,
      @ForAll boolean bursty) {
    long[] times = trace(seed, limit, windowMs, loadPercent / 100.0, bursty, 6);
    boolean[] admitted = slidingWindow(times, limit, windowMs);
    // Every admission, with all admissions in the window that ends at it, stays within the limit.
    ArrayDeque<Long> inWindow = new ArrayDeque<>();
    for (int i = 0; i < times.length; i++) {
      if (!admitted[i]) {
        continue;
      }
      while (!inWindow.isEmpty() && inWindow.peekFirst() < times[i] - windowMs) {
        inWindow.pollFirst();
      }
      inWindow.addLast(times[i]);
      assertThat(inWindow.size()).isLessThanOrEqualTo(limit);
    }
  }

  @Property(tries = 200)
  void admitsAtLeast99PercentOfTheExactLog(
      @ForAll long seed,
      @ForAll @IntRange(min = 20, max = 2000) int limit,
      @ForAll @LongRange(min = 1000, max = 3_600_000) long windowMs,
      @ForAll @IntRange(min = 50, max = 500) int loadPercent,
      @ForAll boolean bursty) {
    int windows = 20;
    long[] times = trace(seed, limit, windowMs, loadPercent / 100.0, bursty, windows);
    int exact = count(exactLog(times, limit, windowMs));
    int ours = count(slidingWindow(times, limit, windowMs));
    assertThat(ours).isLessThanOrEqualTo(exact + limit); // sanity: a strict limiter cannot run away
    if (!bursty) {
      assertThat((double) ours).isGreaterThanOrEqualTo(0.99 * exact);
    } else {
      // A burst's slice returns its capacity up to one slice late: at most one slice's arrivals per window.
      assertThat(ours).isGreaterThanOrEqualTo(exact - windows * mostArrivalsInOneSlice(times, windowMs));
    }
  }

  private static int mostArrivalsInOneSlice(long[] times, long windowMs) {
    long sliceMs = (SlidingWindow.sliceUs(windowMs) + 999) / 1000;
    int most = 0;
    for (int i = 0, j = 0; i < times.length; i++) {
      while (times[j] <= times[i] - sliceMs) {
        j++;
      }
      most = Math.max(most, i - j + 1);
    }
    return most;
  }

  @Property(tries = 200)
  void retryAtIsTheFirstMomentTheRequestFits(
      @ForAll long seed,
      @ForAll @IntRange(min = 1, max = 50) int limit,
      @ForAll @LongRange(min = 1000, max = 600_000) long windowMs) {
    long[] times = trace(seed, limit, windowMs, 3, false, 3);
    SlidingWindow w = new SlidingWindow(windowMs);
    for (long t : times) {
      w.advance(t);
      if (w.used() + 1 <= limit) {
        w.add(t, 1);
      } else {
        long retry = w.retryAtMs(t, 1, limit);
        assertThat(retry).isGreaterThan(t);
        // One millisecond earlier the request still does not fit (advancing is all a probe needs).
        w.advance(retry - 1);
        assertThat(w.used() + 1).isGreaterThan(limit);
        w.advance(retry);
        assertThat(w.used() + 1).isLessThanOrEqualTo(limit);
        return; // one denial per trace is enough
      }
    }
  }

  private static int count(boolean[] a) {
    int n = 0;
    for (boolean b : a) {
      if (b) {
        n++;
      }
    }
    return n;
  }

  /** The lock-free denial agrees with the locked path: it denies only what advance-then-check denies. */
  @Property(tries = 200)
  void aDenialWithoutAdvancingIsOneTheLockedPathWouldMake(
      @ForAll long seed, @ForAll @IntRange(min = 1, max = 50) int limit, @ForAll @LongRange(min = 10, max = 5_000) long windowMs,
      @ForAll boolean bursty) {
    long[] times = trace(seed, limit, windowMs, 2.0, bursty, 5);
    SlidingWindow w = new SlidingWindow(windowMs);
    for (long t : times) {
      boolean surelyFull = w.fullWithoutAdvancing(t, 1, limit);
      long before = w.used();
      w.advance(t);
      boolean dropsNothing = w.used() == before;
      boolean full = w.used() + 1 > limit;
      assertThat(surelyFull).isEqualTo(dropsNothing && full);
      if (!full) {
        w.add(t, 1);
      }
    }
  }

  /**
   * A clock may be set back. The window must stay bounded (at most SLICES + 2 slices, so it never
   * overflows its ring) and keep its own books: never more than the limit counted.
   */
  @Property(tries = 200)
  void aClockSteppingBackNeitherOverflowsNorOvercounts(
      @ForAll long seed, @ForAll @IntRange(min = 1, max = 2_000) int limit, @ForAll @LongRange(min = 1_000, max = 60_000) long windowMs,
      @ForAll @IntRange(min = 0, max = 50) int maxStepBackMs) {
    Random rnd = new Random(seed);
    SlidingWindow w = new SlidingWindow(windowMs);
    long clock = 1_000_000;
    int admitted = 0;
    for (int i = 0; i < 20_000; i++) {
      clock += rnd.nextInt(3);
      long now = clock - rnd.nextInt(maxStepBackMs + 1);
      w.advance(now);
      if (w.used() + 1 <= limit) {
        w.add(now, 1);
        admitted++;
      }
      assertThat(w.used()).isBetween(0L, (long) limit);
    }
    assertThat(admitted).isPositive();
  }
}
