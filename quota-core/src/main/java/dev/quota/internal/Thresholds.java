package dev.quota.internal;

import dev.quota.plan.OpResult;

/** Which alert levels a budget counter crosses for the first time in its period. */
public final class Thresholds {
  private Thresholds() {}

  /**
   * The bits to fire when a counter moves to {@code used}, given the bits already fired: bit i for
   * {@code thresholds[i]}, {@link OpResult#EXHAUSTED_BIT} for the limit itself.
   */
  public static int newlyCrossed(long used, long limit, long[] thresholds, int alreadyFired) {
    int crossed = 0;
    for (int i = 0; i < thresholds.length; i++) {
      if (used >= thresholds[i]) {
        crossed |= 1 << i;
      }
    }
    if (used >= limit) {
      crossed |= OpResult.EXHAUSTED_BIT;
    }
    return crossed & ~alreadyFired;
  }
}
