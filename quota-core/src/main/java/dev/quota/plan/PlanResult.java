package dev.quota.plan;

import java.util.List;
import java.util.Objects;

/**
 * A store's answer to a {@link Plan}.
 *
 * @param results one per op, in plan order (empty unless {@link Status#APPLIED} or {@link Status#REPLAYED})
 * @param nowMs the store's clock when it applied the plan
 * @param expiresAtMs the reservation's expiry, for an admitted {@code RESERVE}
 * @param seedIndices for {@link Status#NEEDS_SEED}: the budget ops whose counters must be seeded
 * @param staleBudgets for {@link Status#NEEDS_SEED}: the budget ops whose counters exist but must
 *     be caught up from the ledger first ({@link StaleBudget})
 * @param reservationId the reservation filed by an admitted {@code RESERVE}; on a replay, the
 *     first request's, which differs from the repeat's plan
 */
public record PlanResult(
    Status status,
    boolean admitted,
    OpResults results,
    long nowMs,
    long expiresAtMs,
    List<Integer> seedIndices,
    String reservationId,
    List<StaleBudget> staleBudgets) {

  /** Why a store answered the way it did. */
  public enum Status {
    /** The plan was evaluated (and, if admitted, applied). */
    APPLIED,
    /** The idempotency key was seen before with the same content: this is the first answer. */
    REPLAYED,
    /** The idempotency key was seen before with different content; nothing changed. */
    CONFLICT,
    /** A budget op named a period that does not contain the store's clock; nothing changed. */
    PERIOD_MISMATCH,
    /**
     * Budget counters lost since their period began must be seeded first, or counters that may be
     * behind the ledger caught up; nothing changed.
     */
    NEEDS_SEED
  }

  public PlanResult {
    Objects.requireNonNull(results, "results");
    seedIndices = List.copyOf(seedIndices);
    staleBudgets = List.copyOf(staleBudgets);
  }

  /** A result with no stale budget. */
  public PlanResult(
      Status status, boolean admitted, OpResults results, long nowMs, long expiresAtMs, List<Integer> seedIndices,
      String reservationId) {
    this(status, admitted, results, nowMs, expiresAtMs, seedIndices, reservationId, List.of());
  }

  /** {@link Status#NEEDS_SEED} at {@code nowMs}: budgets to seed ({@code missing}) and to catch up ({@code stale}). */
  public static PlanResult needsSeed(long nowMs, List<Integer> missing, List<StaleBudget> stale) {
    return new PlanResult(Status.NEEDS_SEED, false, OpResults.EMPTY, nowMs, 0, missing, null, stale);
  }

  /** A result that filed no reservation. */
  public PlanResult(
      Status status, boolean admitted, OpResults results, long nowMs, long expiresAtMs, List<Integer> seedIndices) {
    this(status, admitted, results, nowMs, expiresAtMs, seedIndices, null);
  }

  public static PlanResult of(Status status, long nowMs) {
    return new PlanResult(status, false, OpResults.EMPTY, nowMs, 0, List.of());
  }
}
