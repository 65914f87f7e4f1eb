package dev.quota;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;

/**
 * One limit as a decision saw it. Amounts are raw units: a count for rate and concurrency limits,
 * nano-units of {@code currency} for budgets ({@link #limitAmount()} etc. give decimals).
 *
 * @param allowed whether this limit alone would admit the request
 * @param resetAt when the counter next falls (window slide, refill, period end); null if never
 * @param retryAt for a denying limit, the earliest time a retry can succeed; null if never or allowed
 * @param period for a daily or monthly budget, the period its use counts over and the calendar that
 *     sets it; null for other kinds
 * @param fromOverride whether an override in force on {@code selector} set this limit in place of
 *     the selector's policy (not a bypass, which leaves the policy's limits in shadow mode)
 * @param algorithm how a rate limit counts; null for other kinds. One policy may count a meter over
 *     one window both ways, so it tells such two limits apart
 */
public record LimitStatus(
    Selector selector,
    String subject,
    LimitKind kind,
    String meter,
    String currency,
    long limit,
    long used,
    Instant resetAt,
    Instant retryAt,
    boolean allowed,
    Mode mode,
    Duration window,
    BudgetPeriod period,
    boolean fromOverride,
    Algorithm algorithm) {

  /** A limit of a policy, as most callers and tests build one. */
  public LimitStatus(
      Selector selector, String subject, LimitKind kind, String meter, String currency, long limit, long used,
      Instant resetAt, Instant retryAt, boolean allowed, Mode mode, Duration window, BudgetPeriod period) {
    this(selector, subject, kind, meter, currency, limit, used, resetAt, retryAt, allowed, mode, window, period, false);
  }

  /** A limit that is not a rate limit, or one whose algorithm does not matter to the caller. */
  public LimitStatus(
      Selector selector, String subject, LimitKind kind, String meter, String currency, long limit, long used,
      Instant resetAt, Instant retryAt, boolean allowed, Mode mode, Duration window, BudgetPeriod period,
      boolean fromOverride) {
    this(selector, subject, kind, meter, currency, limit, used, resetAt, retryAt, allowed, mode, window, period, fromOverride, null);
  }

  public long remaining() {
    return Math.max(0, limit - used);
  }

  public BigDecimal limitAmount() {
    return amount(limit);
  }

  public BigDecimal usedAmount() {
    return amount(used);
  }

  public BigDecimal remainingAmount() {
    return amount(remaining());
  }

  private BigDecimal amount(long raw) {
    // A budget's use can pass the bound of one amount (recorded usage is charged beyond the limit).
    return kind.isMoney() ? MoneyTotal.ofNanos(raw).toBigDecimal() : BigDecimal.valueOf(raw);
  }

  /** A denial that counts: an enforced limit that refused. */
  public boolean denies() {
    return !allowed && mode == Mode.ENFORCE;
  }
}
