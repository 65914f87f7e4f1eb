package dev.quota.plan;

import java.util.List;

/**
 * A store's answer to a {@link Settlement}.
 *
 * @param payload what the engine filed with the reservation
 * @param heldNanos the estimate that was held
 * @param nowMs the store's time of the settlement
 * @param budgets each budget the settlement changed, with thresholds it crossed
 * @param reservedAtMs the store's time when the reservation was made, whenever the payload is
 *     handed back (0 otherwise, or if the store did not keep it): a commit's ledger row records it,
 *     since the store charged the commit to the counters held from then on
 */
public record SettleResult(
    Status status, String payload, long heldNanos, long nowMs, List<BudgetChange> budgets, long reservedAtMs) {

  /** How a settlement ended. */
  public enum Status {
    /** Settled now. */
    SETTLED,
    /**
     * Settled before by the same settlement: nothing changed. Only {@code heldNanos} is carried
     * over from the first settlement; a store need not keep its payload or budget changes.
     */
    REPEATED,
    /** Settled before by a different settlement (e.g. released, then committed): nothing changed. */
    CONFLICT,
    /** Not known to the store (never made, or long gone). */
    UNKNOWN,
    /** Expired and released itself before this settlement arrived. */
    EXPIRED
  }

  /** One budget counter moved by a commit. */
  public record BudgetChange(String label, CounterKey key, long limitNanos, long usedNanos, int firedThresholds) {}

  public SettleResult {
    budgets = List.copyOf(budgets);
  }

  public static SettleResult of(Status status, long nowMs) {
    return new SettleResult(status, null, 0, nowMs, List.of(), 0);
  }
}
