package dev.quota;

import java.util.Arrays;

/**
 * Where a prepared call's budgets write the alert thresholds they cross, one per thread and reused:
 * thresholds are crossed a few times a period, and a pair of arrays per call was most of what a
 * prepared decision allocated. What a call crossed is copied out ({@link #take}) before any alert
 * is emitted, so an alert handler that makes prepared calls of its own cannot overwrite it.
 */
final class AlertScratch {
  private static final ThreadLocal<AlertScratch> MINE = ThreadLocal.withInitial(() -> new AlertScratch(16));

  /** What one call crossed, per op: the thresholds' bits and the budget's value after it. */
  record Crossings(int[] fired, long[] used) {}

  int[] fired;
  long[] used;

  private AlertScratch(int ops) {
    fired = new int[ops];
    used = new long[ops];
  }

  /**
   * This thread's scratch, with room for {@code ops} ops and nothing crossed (cleared here, not
   * after use, so a call that failed halfway leaves nothing behind for the next).
   */
  static AlertScratch forThisThread(int ops) {
    AlertScratch s = MINE.get();
    if (s.fired.length < ops) {
      s.fired = new int[ops];
      s.used = new long[ops];
    } else {
      Arrays.fill(s.fired, 0, ops, 0);
    }
    return s;
  }

  /**
   * What the call just made crossed in its first {@code ops} ops, as arrays of its own, or null if
   * it crossed nothing.
   */
  Crossings take(int ops) {
    int[] f = null;
    for (int i = 0; i < ops; i++) {
      if (fired[i] != 0) {
        if (f == null) {
          f = new int[ops];
        }
        f[i] = fired[i];
      }
    }
    return f == null ? null : new Crossings(f, Arrays.copyOf(used, ops));
  }
}
