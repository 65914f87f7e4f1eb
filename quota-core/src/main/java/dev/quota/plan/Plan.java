package dev.quota.plan;

import java.util.List;

/**
 * Everything one decision does, compiled by the engine and applied by a {@code Store} as one atomic
 * step: either every op takes effect or none does.
 *
 * @param reservationId for {@link Kind#RESERVE}: the id the store files the holds under
 * @param ttlMs for {@link Kind#RESERVE}: the store's clock plus this is the reservation's expiry
 * @param idempotencyKey optional; a store answers a repeat with the first result (or a conflict, if
 *     the fingerprint differs). A {@link Kind#CHECK} only looks the key up: it never files its own
 *     answer under it
 * @param fingerprint the request's canonical content, to tell a repeat from a conflicting reuse
 * @param payload opaque to stores; kept with a reservation and handed back when it settles
 * @param seedBudgets whether a missing budget counter of a period that began before the store's
 *     epoch (or in its millisecond, {@link BudgetOp#seedIfMissing}) must be seeded from the ledger before anything is admitted
 */
public record Plan(
    Kind kind,
    List<CounterOp> ops,
    String reservationId,
    long ttlMs,
    String idempotencyKey,
    String fingerprint,
    String payload,
    boolean seedBudgets) {

  /** What the plan does with the counters. */
  public enum Kind {
    /** Test every op, change nothing. */
    CHECK,
    /** Test every op; if all enforced ops allow, apply them all and file a reservation. */
    RESERVE,
    /** Apply every op unconditionally: usage that already happened. */
    RECORD
  }

  public Plan {
    ops = List.copyOf(ops);
  }
}
