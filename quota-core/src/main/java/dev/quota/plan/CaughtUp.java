package dev.quota.plan;

/**
 * A store's answer to {@code Store#catchUp}.
 *
 * @param applied false if the counter was gone or had moved on since it was reported stale: nothing
 *     changed, and the engine asks again
 * @param usedNanos the counter's spend after the catch-up (0 if not applied)
 * @param firedThresholds the alert levels the catch-up crossed for the first time, as {@link
 *     OpResult#firedThresholds} reports them
 */
public record CaughtUp(boolean applied, long usedNanos, int firedThresholds) {
  public static final CaughtUp NOT_APPLIED = new CaughtUp(false, 0, 0);
}
