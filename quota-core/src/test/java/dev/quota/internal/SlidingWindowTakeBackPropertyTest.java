package dev.quota.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * A window that gives back what reservations did not use still never counts less than what is
 * really in it: every admission's amount as it stands (what it used once settled, what it took
 * until then), by the time it was stamped with. Stamps step back now and then by a few
 * milliseconds, as when racing callers read the clock in one order and take the lock in another,
 * so an admission can join a slice newer than its own time.
 */
class SlidingWindowTakeBackPropertyTest {
  private static final long WINDOW_MS = 1_000;

  /** An admission: when it was stamped, what it counts now, and whether it is settled. */
  private static final class Admission {
    final long stampMs;
    long amount;
    boolean settled;

    Admission(long stampMs, long amount) {
      this.stampMs = stampMs;
      this.amount = amount;
    }
  }

  @Property(tries = 300)
  void neverCountsLessThanWhatIsInTheWindow(@ForAll long seed) {
    Random rnd = new Random(seed);
    SlidingWindow w = new SlidingWindow(WINDOW_MS);
    List<Admission> admissions = new ArrayList<>();
    long now = 1_000_000;
    for (int step = 0; step < 2_000; step++) {
      now += rnd.nextInt(rnd.nextInt(10) == 0 ? 400 : 12);
      w.advance(now);
      if (rnd.nextInt(3) > 0 || admissions.isEmpty()) {
        long stamp = rnd.nextInt(4) == 0 ? now - rnd.nextInt(6) : now;
        long amount = 1 + rnd.nextInt(20);
        w.add(stamp, amount);
        admissions.add(new Admission(stamp, amount));
      } else {
        Admission a = admissions.get(admissions.size() - 1 - rnd.nextInt(Math.min(admissions.size(), 50)));
        if (!a.settled) {
          long used = rnd.nextInt((int) a.amount + 1);
          w.takeBack(a.stampMs, a.amount - used);
          a.amount = used;
          a.settled = true;
        }
      }
      long inWindow = 0;
      for (Admission a : admissions) {
        // Stamps are whole milliseconds: one stamped a window before now may be less than a window old.
        if (a.stampMs >= now - WINDOW_MS) {
          inWindow += a.amount;
        }
      }
      assertThat(w.used()).as("seed %d, step %d", seed, step).isGreaterThanOrEqualTo(inWindow);
    }
  }

  /** What is given back comes off the total at once: a reservation that used nothing leaves nothing counted. */
  @Property(tries = 100)
  void givesBackAllThatWasUnusedWhileItsSliceIsCounted(@ForAll long seed) {
    Random rnd = new Random(seed);
    SlidingWindow w = new SlidingWindow(WINDOW_MS);
    long now = 5_000;
    long total = 0;
    List<long[]> taken = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      now += rnd.nextInt(15);
      w.advance(now);
      long amount = 1 + rnd.nextInt(9);
      w.add(now, amount);
      taken.add(new long[] {now, amount});
      total += amount;
    }
    for (long[] t : taken) {
      w.takeBack(t[0], t[1]);
    }
    assertThat(total).isPositive();
    assertThat(w.used()).isZero();
  }
}
