package dev.quota.redis;

/**
 * This process's estimate of the store's clock (Redis {@code TIME}), from which each call's
 * deadline is set: the moment, in Redis time, when its caller stops waiting. The script applies
 * nothing of a decision or settlement that starts after its deadline (Redis stalled past the
 * timeout and ran the call only when it resumed), so a caller told that the store was unavailable
 * and that nothing changed was told the truth.
 *
 * <p>The estimate is the offset between Redis time and this process's monotonic clock, taken from
 * the {@code now} of each reply and replaced by every later one (no extra round trip). A reply's
 * {@code now} was read before the reply arrived, so the estimate lags Redis time by about the time
 * a reply takes: a deadline errs early, never late. Before the first reply there is no estimate,
 * and calls carry no deadline (0). A call that Redis refused because it lacked the function
 * library (so ran none of it) is sent again after the load with the deadline it had: if the load
 * took most of the timeout, it answers too late (and changes nothing) rather than landing late.
 */
final class RedisClockEstimate {
  private static final long UNKNOWN = Long.MIN_VALUE;

  private final long timeoutMs;
  /** Redis time (without the test offset) minus {@link #localMs}; UNKNOWN before the first reply. */
  private volatile long offsetMs = UNKNOWN;

  RedisClockEstimate(long timeoutNanos) {
    // whole milliseconds, rounded down, less one for the rounding of the times the offset comes from
    this.timeoutMs = Math.max(0, timeoutNanos / 1_000_000 - 1);
  }

  /** A reply arrived with the store's time {@code nowMs}, which includes the call's test offset. */
  void observe(long nowMs, long testOffsetMs) {
    offsetMs = nowMs - testOffsetMs - localMs();
  }

  /** The deadline of a call sent now with {@code testOffsetMs}: Redis time now plus the timeout; 0 before any reply. */
  long deadline(long testOffsetMs) {
    long offset = offsetMs;
    return offset == UNKNOWN ? 0 : localMs() + offset + testOffsetMs + timeoutMs;
  }

  private static long localMs() {
    return System.nanoTime() / 1_000_000;
  }
}
