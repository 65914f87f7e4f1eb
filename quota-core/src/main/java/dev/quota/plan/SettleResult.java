package dev.quota.plan;

import java.util.List;

/**
 * A store's answer to a {@link Settlement}.
 *
 * @param payload what the engine filed with the reservation
 * @param heldNanos the estimate that was held
 * @param budgets each budget the settlement changed, with thresholds it crossed
 */
public record SettleResult(
    Status status, String payload, long heldNanos, long nowMs, List<BudgetChange> budgets) {

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
    return new SettleResult(status, null, 0, nowMs, List.of());
  }
}
