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
 * that began before {@code seedBeforeMs} (the store's clock, which dates a counter's last decision
 * and the ledger's rows): the engine took up the budget's
 * calendar after that, so the period's spend so far, if any, was counted under another counter's
 * name ({@link dev.quota.internal.PolicyIndex#seedBudgetsBefore}). An existing counter nothing was
 * decided on since then is {@linkplain #staleSince stale} for the same reason: the spend charged
 * meanwhile went to another counter (or to none), and it is caught up from the ledger first.
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

  /**
   * Whether an existing counter last decided on at {@code touchedMs} (store time) may be behind the
   * ledger: the engines took up the counters they keep now after that, so spend may have been
   * charged elsewhere since.
   */
  public boolean staleSince(long touchedMs) {
    return touchedMs < seedBeforeMs;
  }

  /** This op, seeding and catching up as one compiled with the marker {@code seedBeforeMs} would, if that is later. */
  public BudgetOp withSeedBefore(long seedBeforeMs) {
    return seedBeforeMs <= this.seedBeforeMs
        ? this
        : new BudgetOp(
            key, enforced, label, limitNanos, amountNanos, periodStartMs, periodEndMs, thresholdNanos, seedBeforeMs);
  }
}
