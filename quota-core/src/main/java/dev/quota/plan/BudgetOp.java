package dev.quota.plan;

/**
 * Hold (on reserve) or charge (on record) {@code amountNanos} against a budget of
 * {@code limitNanos} for the period {@code [periodStartMs, periodEndMs)}.
 *
 * <p>The engine computes the period from its calendar; the store checks that its own clock lies
 * inside it and answers {@link PlanResult.Status#PERIOD_MISMATCH} otherwise, so a skewed
 * application clock can never charge the wrong period. {@code thresholdNanos} are the alert
 * levels, ascending; a store reports each one crossed, once per counter.
 *
 * <p>A store asked to seed budgets reports a missing counter of a period that began before its
 * epoch as needing a seed from the ledger, since it may have lost it. So it does one of a period
 * that began before {@code seedBeforeMs} (the engine's clock): the engine took up the budget's
 * calendar after that, so the period's spend so far, if any, was counted under another counter's
 * name ({@link dev.quota.internal.PolicyIndex#seedBudgetsBefore}).
 */
public record BudgetOp(
    CounterKey key,
    boolean enforced,
    String label,
    long limitNanos,
    long amountNanos,
    long periodStartMs,
    long periodEndMs,
    long[] thresholdNanos,
    long seedBeforeMs)
    implements CounterOp {

  /** A budget op whose missing counter is seeded only if the store may have lost it. */
  public BudgetOp(
      CounterKey key, boolean enforced, String label, long limitNanos, long amountNanos, long periodStartMs,
      long periodEndMs, long[] thresholdNanos) {
    this(key, enforced, label, limitNanos, amountNanos, periodStartMs, periodEndMs, thresholdNanos, Long.MIN_VALUE);
  }

  /**
   * Whether a missing counter must be seeded by a store whose epoch began at {@code epochMs}. A
   * period that began in the epoch's (or {@code seedBeforeMs}'s) very millisecond counts too: the
   * spend of that millisecond may have gone to a counter the store no longer has, and the ledger,
   * which keeps milliseconds or finer, cannot say it did not.
   */
  public boolean seedIfMissing(long epochMs) {
    return periodStartMs <= epochMs || periodStartMs <= seedBeforeMs;
  }
}
