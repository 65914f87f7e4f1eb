package dev.quota.redis;

import java.util.List;

/**
 * This process's estimate of one Redis node's clock (Redis {@code TIME}), from which each call's
 * deadline is set: the moment, in Redis time, when its caller stops waiting. The script changes
 * nothing in a call that starts after its deadline (Redis stalled past the timeout and ran the call
 * only when it resumed), so a caller told that the store was unavailable and that nothing changed
 * was told the truth.
 *
 * <p>The estimate is the offset between Redis time and this process's monotonic clock, taken from
 * the {@code now} of each reply and replaced by every later one (no extra round trip). A reply's
 * {@code now} was read before the reply arrived, so the estimate lags Redis time by about the time
 * a reply takes: a deadline errs early, never late. The first estimate comes from a {@code TIME}
 * the connection sends before any call (on Redis Cluster, before the first call to each node), so
 * no call ever leaves without a deadline: a process's very first call is no exception. A call that
 * Redis refused because it lacked the function library (so ran none of it) is sent again after the
 * load with the deadline it had: if the load took most of the timeout, it answers too late (and
 * changes nothing) rather than landing late.
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

  /** Whether any reply (or {@code TIME}) has been observed. */
  boolean known() {
    return offsetMs != UNKNOWN;
  }

  /**
   * The deadline of a call sent now with {@code testOffsetMs}: Redis time now plus the timeout; 0 (none)
   * while nothing was observed, which the connection rules out by asking {@code TIME} before any call.
   */
  long deadline(long testOffsetMs) {
    long offset = offsetMs;
    return offset == UNKNOWN ? 0 : localMs() + offset + testOffsetMs + timeoutMs;
  }

  /** The reply to {@code TIME} (seconds, microseconds) in milliseconds, rounded down. */
  static long timeMs(List<String> time) {
    return Long.parseLong(time.get(0)) * 1000 + Long.parseLong(time.get(1)) / 1000;
  }

  private static long localMs() {
    return System.nanoTime() / 1_000_000;
  }
}
