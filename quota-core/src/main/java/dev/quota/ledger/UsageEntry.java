package dev.quota.ledger;

import dev.quota.Money;
import java.time.Instant;
import java.util.Map;

/**
 * One immutable row of the usage ledger: a committed reservation or recorded usage.
 *
 * @param id unique id of the row
 * @param subjects every subject the usage is attributed to (scope to identifier), including
 *     {@code tool} and {@code provider} when the request named them
 * @param amount the cost charged; the ledger is the durable truth that counters are rebuilt from
 * @param reservationId the reservation committed, or null for recorded usage
 * @param idempotencyKey unique across the ledger when set: a repeat never adds a second row
 * @param overrun how much the amount exceeded the reservation's estimate (zero if it did not)
 */
public record UsageEntry(
    String id,
    Instant at,
    Map<String, String> subjects,
    Money amount,
    Map<String, Long> meters,
    String reservationId,
    String idempotencyKey,
    Money overrun) {

  public UsageEntry {
    subjects = Map.copyOf(subjects);
    meters = Map.copyOf(meters);
    overrun = overrun == null ? Money.ZERO : overrun;
  }
}
