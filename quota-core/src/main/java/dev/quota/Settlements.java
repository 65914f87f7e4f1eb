package dev.quota;

import dev.quota.internal.Padding;
import dev.quota.internal.Payload;
import dev.quota.internal.PolicyIndex;
import dev.quota.internal.Printable;
import dev.quota.ledger.SpendCurrency;
import dev.quota.ledger.UsageEntry;
import dev.quota.ledger.UsageLedger;
import dev.quota.plan.Holding;
import dev.quota.plan.SettleResult;
import dev.quota.plan.Settlement;
import dev.quota.store.Store;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Commits and releases of reservations: the store settles them atomically, a commit goes to the
 * ledger and may cross alert thresholds, and a reservation the store no longer knows is looked up
 * in the ledger, which outlives a store that lost its data. Also what a reservation still held
 * holds, which the store alone knows.
 */
final class Settlements {
  private final Store store;
  private final UsageLedger ledger;
  private final BudgetAlerts alerts;
  /** The engine's current policy snapshot, to find the policies behind a commit's alerts. */
  private final Supplier<PolicyIndex> index;
  private final UnledgeredCharges unledgered;

  Settlements(
      Store store, UsageLedger ledger, BudgetAlerts alerts, Supplier<PolicyIndex> index,
      UnledgeredCharges unledgered) {
    this.store = store;
    this.unledgered = unledgered;
    this.ledger = ledger;
    this.alerts = alerts;
    this.index = index;
  }

  /** See {@link Quota#commit}. */
  Settled commit(String reservationId, Money actualCost, Map<String, Long> actualMeters) {
    ValidationException.require(actualCost != null, "actualCost", "is required");
    ValidationException.require(actualCost.nanos() >= 0, "actualCost", "must not be negative");
    Map<String, Long> meters = actualMeters == null ? Map.of() : actualMeters;
    // Checked before the reservation is settled: the ledger would refuse the row only afterwards.
    QuotaRequest.validateMeters(meters);
    QuotaRequest.requireCommittedCall(meters);
    // Held until the row is written: a budget rebuilt meanwhile waits for it.
    UnledgeredCharges.Charge inFlight = unledgered.open();
    try {
      return commitAndLedger(reservationId, actualCost, meters);
    } finally {
      inFlight.close();
    }
  }

  private Settled commitAndLedger(String reservationId, Money actualCost, Map<String, Long> meters) {
    SettleResult r = settle(Settlement.commit(reservationId, actualCost.nanos(), meters));
    Money held = Money.ofNanos(r.heldNanos());
    Money overrun = actualCost.compareTo(held) > 0 ? actualCost.minus(held) : Money.ZERO;
    boolean settled = r.status() == SettleResult.Status.SETTLED;
    // A repeat is appended as well when the store still knows what was reserved: the first attempt
    // may have settled after its caller stopped waiting for the reply. The ledger keeps one row per
    // reservation, so a first attempt that did arrive is not doubled.
    if (settled || r.payload() != null) {
      Payload p = Payload.decode(r.payload());
      Instant at = Instant.ofEpochMilli(r.nowMs());
      Instant reservedAt = reservedAt(r);
      ledger.append(
          new UsageEntry(
              Quota.newId(), at, p.subjects(), actualCost, meters, reservationId, null, overrun, reservedAt,
              currencyOf(p, reservedAt != null ? reservedAt : at)));
      if (settled) {
        alerts.fireSettled(r, p, index.get(), reservedAt);
      }
    }
    return new Settled(
        reservationId, true, actualCost, held, overrun, r.status() == SettleResult.Status.REPEATED);
  }

  /**
   * The currency of the budgets that held the reservation, as filed with it. A reservation filed
   * without one, by a version that did not file it, or held by no budget of one currency, is in
   * the currency of the budgets that apply to its subjects when it was made, as far as the policies
   * in force now tell.
   */
  private String currencyOf(Payload p, Instant reservedAt) {
    return p.currency() != null ? p.currency() : SpendCurrency.of(index.get().resolve(p.subjects(), reservedAt));
  }

  /**
   * When the store says the reservation was made, or null if it cannot tell. Never after the
   * commit: the parts of a reservation spread over a cluster keep the times of their own nodes.
   */
  private static Instant reservedAt(SettleResult r) {
    return r.reservedAtMs() > 0 ? Instant.ofEpochMilli(Math.min(r.reservedAtMs(), r.nowMs())) : null;
  }

  /** See {@link Quota#release}. */
  Settled release(String reservationId) {
    SettleResult r = settle(Settlement.release(reservationId));
    return new Settled(
        reservationId, false, Money.ZERO, Money.ofNanos(r.heldNanos()), Money.ZERO,
        r.status() == SettleResult.Status.REPEATED);
  }

  /** See {@link Quota#reservation}. */
  Reservation held(String reservationId) {
    requireId(reservationId);
    Holding h = store.holding(reservationId).orElseThrow(() -> new NotFoundException(
        "reservation " + reservationId + " is not held: it was never made, was committed or released, or has expired"));
    Payload p = h.payload() == null ? new Payload(Map.of(), Money.ZERO, null) : Payload.decode(h.payload());
    return new Reservation(
        reservationId, p.subjects(), p.estimate(), p.meters(), p.idempotencyKey(), Instant.ofEpochMilli(h.expiresAtMs()));
  }

  /** Refuses what no reservation id can be, naming the rule, before the store is asked. */
  private static void requireId(String reservationId) {
    ValidationException.require(
        reservationId != null && !reservationId.isEmpty() && reservationId.length() <= 64,
        "reservationId", "must be a reservation id returned by reserve");
    // No id reserve returns holds a control or invisible character; one that does is refused, not echoed in a 404.
    ValidationException.require(Printable.isPrintable(reservationId), "reservationId", "must contain only printable characters");
    // Nor does one begin or end with whitespace: a padded id is a caller's slip, refused rather than not found.
    ValidationException.require(!Padding.isPadded(reservationId), "reservationId", Subject.PADDING_RULE);
  }

  private SettleResult settle(Settlement s) {
    requireId(s.reservationId());
    SettleResult r = store.settle(s);
    if (r.status() == SettleResult.Status.UNKNOWN) {
      r = ledgeredSettlement(s, r.nowMs());
    }
    switch (r.status()) {
      case UNKNOWN -> throw new NotFoundException(
          "reservation " + s.reservationId() + " is not known: it was never made, was settled or expired long ago, or"
              + " was lost with the counter store's data; record the call's cost as usage instead");
      case EXPIRED -> throw new ReservationExpiredException(s.reservationId(), s.commit());
      case CONFLICT -> throw new ConflictException(
          "reservationId", "was already settled differently: " + s.reservationId());
      default -> {
        return r;
      }
    }
  }

  /**
   * What the ledger says of a reservation the store does not know: a commit there means the store
   * lost the reservation after settling it (a restart, a flushed Redis), so this settlement is a
   * repeat of it, or a conflict if it differs. The hold is not in the ledger; a repeat reports the
   * part of the charge that did not overrun it.
   */
  private SettleResult ledgeredSettlement(Settlement s, long nowMs) {
    UsageEntry committed = ledger.withReservationId(s.reservationId()).orElse(null);
    if (committed == null) {
      return SettleResult.of(SettleResult.Status.UNKNOWN, nowMs);
    }
    boolean same = s.commit()
        && committed.amount().nanos() == s.actualCostNanos()
        && committed.meters().equals(s.actualMeters());
    long heldNanos = committed.amount().nanos() - committed.overrun().nanos();
    return new SettleResult(
        same ? SettleResult.Status.REPEATED : SettleResult.Status.CONFLICT, null, heldNanos, nowMs, List.of(), 0);
  }
}
