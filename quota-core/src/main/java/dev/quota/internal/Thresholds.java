package dev.quota.internal;

import dev.quota.plan.OpResult;

/**
 * Which alert levels a budget counter crosses for the first time in its period.
 *
 * <p>A counter remembers the highest level it has alerted ({@link #NONE} before any), not which
 * of its policy's levels those were: an admin may change a budget's thresholds or limit in the
 * middle of a period (or an override may), and a level is then alerted once spend reaches it
 * unless a level at least as high already was. Bits naming positions in the list of levels would
 * stand for other levels after such a change, and the new ones would never fire.
 */
public final class Thresholds {
  /** The highest level alerted, before any: below every level, since levels are never negative. */
  public static final long NONE = -1;

  private Thresholds() {}

  /**
   * The levels to alert when a counter that has alerted every level up to {@code alertedUpTo}
   * holds {@code used}: bit i for {@code thresholds[i]}, {@link OpResult#EXHAUSTED_BIT} for the
   * limit itself, for each level above {@code alertedUpTo} and at most {@code used}.
   */
  public static int crossed(long alertedUpTo, long used, long limit, long[] thresholds) {
    int crossed = 0;
    for (int i = 0; i < thresholds.length; i++) {
      if (used >= thresholds[i] && thresholds[i] > alertedUpTo) {
        crossed |= 1 << i;
      }
    }
    if (used >= limit && limit > alertedUpTo) {
      crossed |= OpResult.EXHAUSTED_BIT;
    }
    return crossed;
  }

  /**
   * What a counter that had alerted up to {@code alertedUpTo} has alerted up to once it alerted
   * the levels {@code used} reaches: the highest of them, or {@code alertedUpTo} if that is higher.
   */
  public static long alertedUpTo(long alertedUpTo, long used, long limit, long[] thresholds) {
    long highest = alertedUpTo;
    for (long level : thresholds) {
      if (used >= level && level > highest) {
        highest = level;
      }
    }
    return used >= limit && limit > highest ? limit : highest;
  }
}
