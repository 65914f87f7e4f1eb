package dev.quota.plan;

/**
 * Hold (on reserve) or charge (on record) {@code amountNanos} against a budget of
 * {@code limitNanos} for the period {@code [periodStartMs, periodEndMs)}.
 *
 * <p>The engine computes the period from its calendar; the store checks that its own clock lies
 * inside it and answers {@link PlanResult.Status#PERIOD_MISMATCH} otherwise, so a skewed
 * application clock can never charge the wrong period. {@code thresholdNanos} are the alert
 * levels, ascending; a store reports each one crossed, once per counter.
 */
public record BudgetOp(
    CounterKey key,
    boolean enforced,
    String label,
    long limitNanos,
    long amountNanos,
    long periodStartMs,
    long periodEndMs,
    long[] thresholdNanos)
    implements CounterOp {}
