package dev.quota.internal;

/**
 * A token bucket of capacity {@code limit}, refilled at {@code limit} per {@code window}, in exact
 * integer arithmetic.
 *
 * <p>Refill comes in whole ticks. A window is {@link #ticks} ticks of {@link #tickMs} each, at most
 * {@link #MAX_TICKS} of them: a tick is 1 ms for windows up to 65.5 s, 55 ms for an hour and 41 s
 * for 31 days. Levels are kept in units of 1/ticks token, so one tick refills exactly
 * {@code limit} units and nothing is ever rounded; with a limit of at most 2^36
 * ({@code RateLimit.MAX_BUCKET_LIMIT}) a full bucket is at most 2^52 units.
 *
 * <p>Ticks never admit more than a continuous refill of {@code limit} per window would. They refill
 * no faster ({@code ticks x tickMs >= window}), a tick's units arrive only once the whole tick has
 * passed, and the part of a tick that has passed is carried over until a continuous refill would
 * have filled the bucket; from then on, as for a continuous bucket, ticks count afresh.
 *
 * <p>A bucket starts full. Charges beyond the level (a recorded overrun) leave it in debt, repaid
 * by the refill before anything more is admitted. A debt saturates at {@link #MAX_DEBT_BUCKETS}
 * full buckets, or sooner where a full bucket and that debt would pass 2^53 units (from about 134
 * million tokens a window for windows of 65.5 s or more): a deeper charge leaves it there. Either
 * way the deepest debt is at least one full bucket, so it keeps the bucket denying for more than a
 * window, and it never wraps.
 */
public final class TokenBucket implements Cloneable {
  /** Ticks per window, at most; a store in another language must use the same arithmetic. */
  public static final long MAX_TICKS = 1L << 16;
  /** The deepest debt, in full buckets, where the exact range allows it. */
  public static final long MAX_DEBT_BUCKETS = 1024;
  /** Every level, and the distance between any two, stays within 2^53: exact in a double too. */
  private static final long EXACT = 1L << 53;

  private long limit;
  private final long tickMs;
  private final long ticks;
  private long capacity;
  private long deepestDebt;
  /** In units of 1/ticks token, between -deepestDebt and capacity. */
  private long level;
  /** Where the refill counts ticks from. */
  private long lastMs;
  /** {@link #level} and {@link #lastMs} as the last {@link #take} left them; see {@link #limitTo}. */
  private long takenLevel;
  /** {@link #NEVER_TAKEN} until the first {@link #take}. */
  private long takenMs = NEVER_TAKEN;

  private static final long NEVER_TAKEN = Long.MIN_VALUE;

  public TokenBucket(long limit, long windowMs, long nowMs) {
    this.limit = limit;
    this.tickMs = tickMs(windowMs);
    this.ticks = ticks(windowMs);
    this.capacity = limit * ticks;
    this.deepestDebt = deepestDebt(capacity);
    this.level = capacity;
    this.lastMs = nowMs;
  }

  /** The length of a refill tick: 1 ms unless the window has more than {@link #MAX_TICKS} ms. */
  public static long tickMs(long windowMs) {
    return ceilDiv(windowMs, MAX_TICKS);
  }

  /** Ticks per window, rounded up: a window's refill never takes less than the window. */
  public static long ticks(long windowMs) {
    return ceilDiv(windowMs, tickMs(windowMs));
  }

  /** The deepest debt of a bucket of {@code capacity} units; at least the capacity (at most 2^52). */
  public static long deepestDebt(long capacity) {
    return Math.min(MAX_DEBT_BUCKETS * capacity, EXACT - capacity);
  }

  /**
   * Makes {@code limit} this bucket's limit, if another was (a policy or an override changed it,
   * within the same window): the bucket is what its last charge left, as a bucket of the new limit
   * (the tokens it held then stay, up to the new capacity, and a debt stays, down to the new deepest
   * one), refilled at the new rate since; a bucket never charged is full. Call {@link #advance}
   * next.
   *
   * <p>Counted from the last charge, not from the last call: the Redis store writes a bucket only
   * when it charges it (a check or a refused request reads it and writes nothing), and takes each
   * call's limit as the bucket's, so the two agree however often a bucket is read between charges.
   */
  public void limitTo(long limit) {
    if (limit == this.limit) {
      return;
    }
    this.limit = limit;
    this.capacity = limit * ticks;
    this.deepestDebt = deepestDebt(capacity);
    if (takenMs == NEVER_TAKEN) {
      level = capacity;
    } else {
      level = Math.max(-deepestDebt, Math.min(capacity, takenLevel));
      lastMs = takenMs;
    }
  }

  /**
   * This bucket as a bucket of {@code limit} would be ({@link #limitTo}), leaving this one as it
   * is: itself if that is its limit, else a copy. Reads a bucket that another limit uses.
   */
  public TokenBucket withLimit(long limit) {
    if (limit == this.limit) {
      return this;
    }
    try {
      TokenBucket copy = (TokenBucket) clone();
      copy.limitTo(limit);
      return copy;
    } catch (CloneNotSupportedException e) {
      throw new AssertionError(e);
    }
  }

  /** Adds what has refilled since the last call. */
  public void advance(long nowMs) {
    if (nowMs <= lastMs) {
      return;
    }
    long missing = capacity - level;
    long whole = (nowMs - lastMs) / tickMs;
    // whole * limit could overflow after a long idle time; anything past a full refill is moot.
    if (whole >= ceilDiv(missing, limit)) {
      fill(nowMs);
      return;
    }
    level += whole * limit;
    lastMs += whole * tickMs;
    // The part of a tick since lastMs is less than a tick (both factors below 2^52): a continuous
    // refill may have filled the bucket with it, which then starts afresh as a continuous one would.
    missing -= whole * limit;
    if (missing < limit && (nowMs - lastMs) * limit >= missing * tickMs) {
      fill(nowMs);
    }
  }

  private void fill(long nowMs) {
    level = capacity;
    lastMs = nowMs;
  }

  public boolean hasRoom(long tokens) {
    return tokens <= Math.floorDiv(level, ticks);
  }

  /** Takes {@code tokens}, into debt if need be, down to the deepest debt. */
  public void take(long tokens) {
    level = tokens <= (level + deepestDebt) / ticks ? level - tokens * ticks : -deepestDebt;
    takenLevel = level;
    takenMs = lastMs;
  }

  /**
   * Puts back {@code tokens} that a reservation took and did not use, up to a full bucket; counted
   * as a charge for {@link #limitTo}, as {@link #take} is. Call {@link #advance} first.
   */
  public void giveBack(long tokens) {
    long room = capacity - level;
    level = tokens >= ceilDiv(room, ticks) ? capacity : level + tokens * ticks;
    takenLevel = level;
    takenMs = lastMs;
  }

  /** Tokens in use: the limit minus whole tokens available (more than the limit while in debt). */
  public long used() {
    return limit - Math.floorDiv(level, ticks);
  }

  /** The level in units of 1/{@link #ticks} token, for tests. */
  long level() {
    return level;
  }

  public boolean isFull() {
    return level >= capacity;
  }

  /** When the bucket is full again; {@code nowMs} if it is. */
  public long resetAtMs(long nowMs) {
    return isFull() ? nowMs : lastMs + msToRefill(capacity - level);
  }

  /** The earliest time {@code tokens} are available; -1 if more than the capacity. */
  public long retryAtMs(long nowMs, long tokens) {
    if (tokens > limit) {
      return -1;
    }
    long deficit = tokens * ticks - level;
    if (deficit <= 0) {
      return nowMs;
    }
    // the tick that brings them, unless a continuous refill fills the bucket before
    return Math.min(lastMs + ceilDiv(deficit, limit) * tickMs, resetAtMs(nowMs));
  }

  /** How long after lastMs a continuous refill of limit per tick adds {@code units}. */
  private long msToRefill(long units) {
    return units / limit * tickMs + ceilDiv(units % limit * tickMs, limit);
  }

  private static long ceilDiv(long a, long b) {
    return a <= 0 ? 0 : (a + b - 1) / b;
  }
}
