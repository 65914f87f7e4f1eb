package dev.quota.redis;

import dev.quota.ValidationException;

/**
 * The numbers a Redis script computes exactly. Lua numbers are IEEE doubles, which hold every
 * integer in {@code [-(2^53-1), 2^53-1]} and no longer all integers beyond. So every amount, limit,
 * threshold, meter value and time sent to Redis must lie in {@code [0, 2^53-1]}
 * (9,007,199,254,740,991; as money, 9,007,199.254740991 units, which is {@code Money.MAX}). Values
 * beyond are rejected before anything is sent. Counters saturate instead of leaving the range: a
 * budget counter that a charge would push beyond it stays at {@link #PAST} for its period (past
 * every limit, the largest too, so the budget stays exhausted even for a call that costs nothing;
 * the ledger keeps the exact spend, and a counter rebuilt from it is seeded there too: {@link
 * #budgetUse}), a sliding window at
 * 2^53-1, a token bucket's debt at its deepest (see {@code TokenBucket}), so recorded usage is
 * always recorded.
 */
public final class ExactRange {
  /** 2^53 - 1. */
  public static final long MAX = (1L << 53) - 1;

  /** 2^53, which a double still holds exactly: where a budget counter charged past {@link #MAX} stays. */
  public static final long PAST = 1L << 53;

  private ExactRange() {}

  /**
   * A budget counter's use as Redis keeps it: {@code value} itself up to {@link #MAX}, {@link
   * #PAST} beyond, where a charge to that spend would have left it. For a seed rebuilt from the
   * ledger, whose spend may pass one amount's maximum.
   *
   * @throws ValidationException naming {@code field} when {@code value} is negative
   */
  public static long budgetUse(String field, long value) {
    return value > MAX ? PAST : check(field, value);
  }

  public static long check(String field, long value) {
    if (value < 0 || value > MAX) { // the message is built only for a value out of range
      throw new ValidationException(field,
          "must be between 0 and 2^53-1 (" + MAX + "), the range Redis scripts compute exactly (got " + value + ")");
    }
    return value;
  }
}
