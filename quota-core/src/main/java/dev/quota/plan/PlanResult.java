package dev.quota.plan;

import java.util.List;

/**
 * A store's answer to a {@link Plan}.
 *
 * @param results one per op, in plan order (empty unless {@link Status#APPLIED} or {@link Status#REPLAYED})
 * @param nowMs the store's clock when it applied the plan
 * @param expiresAtMs the reservation's expiry, for an admitted {@code RESERVE}
 * @param seedIndices for {@link Status#NEEDS_SEED}: the budget ops whose counters must be seeded
 */
public record PlanResult(
    Status status,
    boolean admitted,
    List<OpResult> results,
    long nowMs,
    long expiresAtMs,
    List<Integer> seedIndices) {

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
    /** Budget counters lost since their period began must be seeded first; nothing changed. */
    NEEDS_SEED
  }

  public PlanResult {
    results = List.copyOf(results);
    seedIndices = List.copyOf(seedIndices);
  }

  public static PlanResult of(Status status, long nowMs) {
    return new PlanResult(status, false, List.of(), nowMs, 0, List.of());
  }
}
