package dev.quota.internal;

/**
 * A token bucket of capacity {@code limit}, refilled continuously at {@code limit} per
 * {@code window}, in exact integer arithmetic.
 *
 * <p>Levels are kept in units of 1/windowMs token, so one millisecond refills exactly
 * {@code limit} units and nothing is ever rounded. {@code limit x windowMs} is at most 2^53
 * (checked by {@code RateLimit}), which keeps every level exact in a double too.
 *
 * <p>A bucket starts full. Charges beyond the level (a recorded overrun) leave it in debt, repaid
 * by the refill before anything more is admitted.
 */
public final class TokenBucket {
  private final long limit;
  private final long windowMs;
  private final long capacity;
  private long level;
  private long lastMs;

  public TokenBucket(long limit, long windowMs, long nowMs) {
    this.limit = limit;
    this.windowMs = windowMs;
    this.capacity = limit * windowMs;
    this.level = capacity;
    this.lastMs = nowMs;
  }

  /** Adds what has refilled since the last call. */
  public void advance(long nowMs) {
    if (nowMs <= lastMs) {
      return;
    }
    long elapsed = nowMs - lastMs;
    lastMs = nowMs;
    long missing = capacity - level;
    // elapsed * limit could overflow after a long idle time; anything past a full refill is moot.
    level = elapsed >= (missing + limit - 1) / limit ? capacity : level + elapsed * limit;
  }

  public boolean hasRoom(long tokens) {
    return level >= tokens * windowMs;
  }

  public void take(long tokens) {
    level -= tokens * windowMs;
  }

  /** Tokens in use: the limit minus whole tokens available (more than the limit while in debt). */
  public long used() {
    return limit - Math.floorDiv(level, windowMs);
  }

  public boolean isFull() {
    return level >= capacity;
  }

  /** When the bucket is full again; {@code nowMs} if it is. */
  public long resetAtMs(long nowMs) {
    return nowMs + ceilDiv(capacity - level, limit);
  }

  /** The earliest time {@code tokens} are available; -1 if more than the capacity. */
  public long retryAtMs(long nowMs, long tokens) {
    if (tokens > limit) {
      return -1;
    }
    long deficit = tokens * windowMs - level;
    return deficit <= 0 ? nowMs : nowMs + ceilDiv(deficit, limit);
  }

  private static long ceilDiv(long a, long b) {
    return a <= 0 ? 0 : (a + b - 1) / b;
  }
}
