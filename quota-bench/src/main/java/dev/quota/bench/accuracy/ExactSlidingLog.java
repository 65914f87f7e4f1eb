package dev.quota.bench.accuracy;

import java.util.ArrayDeque;

/**
 * The reference a strict sliding window is judged against: every admission's time, so that "no
 * interval of length {@code window} holds more than {@code limit} admissions" is checked exactly.
 * An admission at {@code t} stays counted for every {@code now < t + window}.
 */
public final class ExactSlidingLog {
  private final long limit;
  private final long windowNanos;
  private final ArrayDeque<Long> admitted = new ArrayDeque<>();

  public ExactSlidingLog(long limit, long windowNanos) {
    if (limit < 1 || windowNanos < 1) {
      throw new IllegalArgumentException("limit and window must be positive");
    }
    this.limit = limit;
    this.windowNanos = windowNanos;
  }

  /** Admissions counted at {@code nowNanos}: those in {@code (now - window, now]}. Times must not go back. */
  public int countAt(long nowNanos) {
    while (!admitted.isEmpty() && admitted.peekFirst() <= nowNanos - windowNanos) {
      admitted.pollFirst();
    }
    return admitted.size();
  }

  /** Whether one more admission at {@code nowNanos} keeps every window within the limit. */
  public boolean wouldAdmit(long nowNanos) {
    return countAt(nowNanos) < limit;
  }

  public void record(long nowNanos) {
    admitted.addLast(nowNanos);
  }
}
