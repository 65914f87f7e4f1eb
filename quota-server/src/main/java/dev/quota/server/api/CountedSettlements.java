package dev.quota.server.api;

import dev.quota.ConflictException;
import dev.quota.Money;
import dev.quota.NotFoundException;
import dev.quota.Quota;
import dev.quota.ReservationExpiredException;
import dev.quota.Settled;
import dev.quota.ValidationException;
import dev.quota.server.api.SettlementListener.Operation;
import dev.quota.server.api.SettlementListener.Outcome;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Commits and releases through the engine, each told to a {@link SettlementListener} with how it
 * came out. One the engine refused as invalid (a reservation id no reservation can have) asked no
 * store and settled nothing, so it is not told, as a decision refused for its input is not counted.
 */
final class CountedSettlements {
  private final Quota quota;
  private final SettlementListener listener;

  CountedSettlements(Quota quota, SettlementListener listener) {
    this.quota = quota;
    this.listener = listener;
  }

  Settled commit(String reservationId, Money actualCost, Map<String, Long> meters) {
    return counted(Operation.COMMIT, () -> quota.commit(reservationId, actualCost, meters));
  }

  Settled release(String reservationId) {
    return counted(Operation.RELEASE, () -> quota.release(reservationId));
  }

  private Settled counted(Operation operation, Supplier<Settled> settlement) {
    Settled s;
    try {
      s = settlement.get();
    } catch (ValidationException invalid) {
      throw invalid;
    } catch (RuntimeException e) {
      listener.onSettlement(operation, outcome(e));
      throw e;
    }
    listener.onSettlement(operation, s.repeated() ? Outcome.REPEATED : Outcome.SETTLED);
    return s;
  }

  private static Outcome outcome(RuntimeException e) {
    if (e instanceof NotFoundException) {
      return Outcome.UNKNOWN;
    }
    if (e instanceof ReservationExpiredException) {
      return Outcome.EXPIRED;
    }
    if (e instanceof ConflictException) {
      return Outcome.CONFLICT;
    }
    return Outcome.FAILED;
  }
}
