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
import org.junit.jupiter.api.Test;

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

  /**
   * The window as specified, written plainly: slices numbered by division, a list of (number,
   * count, latest admission). The real one must agree with it on everything it reports.
   */
  static final class ModelWindow {
    final long windowMs;
    final long sliceUs;
    final ArrayDeque<long[]> slices = new ArrayDeque<>();

    ModelWindow(long windowMs) {
      this.windowMs = windowMs;
      this.sliceUs = SlidingWindow.sliceUs(windowMs);
    }

    void advance(long now) {
      while (!slices.isEmpty() && slices.peekFirst()[2] + windowMs < now) {
        slices.pollFirst();
      }
    }

    void add(long now, long amount) {
      long number = now * 1000 / sliceUs;
      long[] newest = slices.peekLast();
      if (newest != null && number <= newest[0]) {
        newest[1] += amount;
        newest[2] = Math.max(newest[2], now);
      } else {
        slices.addLast(new long[] {number, amount, now});
      }
    }

    long used() {
      return slices.stream().mapToLong(s -> s[1]).sum();
    }

    long resetAtMs() {
      return slices.isEmpty() ? 0 : slices.peekFirst()[2] + windowMs + 1;
    }
  }

  @Property(tries = 300)
  void agreesWithThePlainModelOnEveryStep(
      @ForAll long seed,
      @ForAll @LongRange(min = 1000, max = 3_600_000) long windowMs,
      @ForAll @IntRange(min = 1, max = 2000) int meanGapMs) {
    Random rnd = new Random(seed);
    SlidingWindow w = new SlidingWindow(windowMs);
    ModelWindow m = new ModelWindow(windowMs);
    long t = 1_781_517_600_000L;
    for (int i = 0; i < 2_000; i++) {
      // Mostly forward, sometimes a burst at one instant, a step back, or a long pause that
      // empties the window (the newest slice and the oldest's time are kept apart from the rest).
      int kind = rnd.nextInt(40);
      t += kind == 0 ? -rnd.nextInt(3 * meanGapMs + 1)
          : kind < 6 ? 0
          : kind == 6 ? windowMs + rnd.nextInt(3)
          : rnd.nextInt(2 * meanGapMs + 1);
      long amount = 1 + rnd.nextInt(5);
      w.advance(t);
      m.advance(t);
      assertThat(w.isEmpty()).as("step %d", i).isEqualTo(m.slices.isEmpty());
      long probe = 1 + rnd.nextInt(200);
      boolean nothingLeaves = !m.slices.isEmpty() && m.resetAtMs() > t + 1;
      assertThat(w.fullWithoutAdvancing(t + 1, 1, probe))
          .as("step %d", i)
          .isEqualTo(nothingLeaves && m.used() + 1 > probe);
      if (rnd.nextInt(10) > 0) {
        w.add(t, amount);
        m.add(t, amount);
      }
      assertThat(w.used()).as("step %d", i).isEqualTo(m.used());
      assertThat(w.resetAtMs()).as("step %d", i).isEqualTo(m.resetAtMs());
      long limit = 1 + rnd.nextInt(200);
      assertThat(w.retryAtMs(t, 1, limit)).as("step %d", i).isEqualTo(retryAt(m, t, 1, limit));
    }
  }

  private static long retryAt(ModelWindow m, long now, long amount, long limit) {
    if (amount > limit) {
      return -1;
    }
    long excess = m.used() + amount - limit;
    if (excess <= 0) {
      return now;
    }
    long freed = 0;
    for (long[] s : m.slices) {
      freed += s[1];
      if (freed >= excess) {
        return s[2] + m.windowMs + 1;
      }
    }
    return -1;
  }

  /** Slice numbers come from a reciprocal, not a division: they must agree everywhere, edges included. */
  @Property(tries = 2000)
  void divisionByReciprocalAgreesWithDivision(
      @ForAll @LongRange(min = 1, max = Long.MAX_VALUE) long d, @ForAll long n, @ForAll @IntRange(min = -2, max = 2) int nearMultiple) {
    long r = SlidingWindow.reciprocal(d);
    assertThat(SlidingWindow.divide(n, d, r)).as("%d / %d", n, d).isEqualTo(n / d);
    // Just around a multiple of d is where an estimate one short would show.
    long multiple = (Math.abs(n % (Long.MAX_VALUE / d + 1))) * d + nearMultiple;
    assertThat(SlidingWindow.divide(multiple, d, r)).as("%d / %d", multiple, d).isEqualTo(multiple / d);
  }

  @Test
  void divisionByReciprocalAtTheEdges() {
    long[] divisors = {1, 2, 3, 7, 9, 8334, 500_000, 30_000_000, 1L << 32, (1L << 62) + 1, Long.MAX_VALUE};
    for (long d : divisors) {
      long r = SlidingWindow.reciprocal(d);
      long[] ns = {0, 1, d - 1, d, d + 1, 2 * d - 1, 2 * d, Long.MAX_VALUE, Long.MAX_VALUE - 1,
          Long.MAX_VALUE / d * d, Long.MAX_VALUE / d * d - 1, -1, -d, Long.MIN_VALUE};
      for (long n : ns) {
        assertThat(SlidingWindow.divide(n, d, r)).as("%d / %d", n, d).isEqualTo(n / d);
      }
    }
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

  /**
   * Recorded usage can charge past any limit, but a window counts at most 2^53-1 (27021597764222973
   * once came back through JSON, which cannot carry it exactly): the total saturates, every slice
   * stays consistent with it, and slices still leave on time.
   */
  @Property(tries = 200)
  void aTotalPastTwoToTheFiftyThreeSaturates(
      @ForAll long seed, @ForAll @LongRange(min = 1_000, max = 31 * 86_400_000L) long windowMs) {
    Random rnd = new Random(seed);
    SlidingWindow w = new SlidingWindow(windowMs);
    long now = 1_700_000_000_000L;
    long max = SlidingWindow.MAX_USED;
    long[] charges = {max / 3, max, 1, 0, max - 7, 5};
    List<Long> stamps = new ArrayList<>();
    for (long charge : charges) {
      now += rnd.nextInt((int) Math.min(windowMs / 10, Integer.MAX_VALUE)); // all within one window
      w.advance(now);
      w.add(now, charge);
      stamps.add(now);
      assertThat(w.used()).isBetween(0L, max);
    }
    assertThat(w.used()).isEqualTo(max);
    assertThat(w.retryAtMs(now, 1, max)).isGreaterThan(now);
    // every slice has left a window after the last charge: nothing is counted, nothing went negative
    w.advance(now + windowMs + 1);
    assertThat(w.used()).isZero();
    assertThat(w.isEmpty()).isTrue();
  }
}
