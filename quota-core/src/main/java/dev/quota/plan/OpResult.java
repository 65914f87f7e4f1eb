package dev.quota.plan;

/**
 * What one op saw.
 *
 * @param allowed whether the op alone had room
 * @param used the counter after the plan (or as it stands, when nothing was applied)
 * @param resetAtMs when the counter next falls; 0 if it holds nothing
 * @param retryAtMs for a refusal, the earliest store time the same op could succeed; -1 if never
 * @param firedThresholds bit i set when this plan crossed alert threshold i first in this period,
 *     bit 31 when it crossed the limit itself (exhaustion)
 */
public record OpResult(boolean allowed, long used, long resetAtMs, long retryAtMs, int firedThresholds) {
  public static final int EXHAUSTED_BIT = 1 << 31;
}
