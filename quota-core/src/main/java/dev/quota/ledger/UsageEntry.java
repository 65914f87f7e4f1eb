package dev.quota.ledger;

import dev.quota.Money;
import dev.quota.internal.SortedArrayMap;
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
 * @param reservedAt when the committed reservation was made, in the store's time, or null for
 *     recorded usage (and for rows written before it was kept): the moment its budgets took the
 *     hold, which decides the period and the reset its spend counts after (see {@link #chargedAt})
 * @param currency the currency {@code amount} is in: that of the budgets it was charged to (see
 *     {@link SpendCurrency}), or null when it has none: no budget counted it, budgets of different
 *     currencies did (each took the same amount as its own currency), or the row was written before
 *     rows kept one. Reports total each currency apart and never add one to another; a budget
 *     seeded from the ledger counts the rows in its currency and those in none ({@link
 *     UsageLedger#spent(Map, String, Instant, Instant)}).
 */
public record UsageEntry(
    String id,
    Instant at,
    Map<String, String> subjects,
    Money amount,
    Map<String, Long> meters,
    String reservationId,
    String idempotencyKey,
    Money overrun,
    Instant reservedAt,
    String currency) {

  public UsageEntry {
    subjects = SortedArrayMap.immutable(subjects);
    meters = SortedArrayMap.immutable(meters);
    overrun = overrun == null ? Money.ZERO : overrun;
  }

  /** An entry whose amount is in no known currency. */
  public UsageEntry(
      String id, Instant at, Map<String, String> subjects, Money amount, Map<String, Long> meters,
      String reservationId, String idempotencyKey, Money overrun, Instant reservedAt) {
    this(id, at, subjects, amount, meters, reservationId, idempotencyKey, overrun, reservedAt, null);
  }

  /**
   * An entry without a reservation time (recorded usage, or a commit whose store could not tell)
   * whose amount is in no known currency.
   */
  public UsageEntry(
      String id, Instant at, Map<String, String> subjects, Money amount, Map<String, Long> meters,
      String reservationId, String idempotencyKey, Money overrun) {
    this(id, at, subjects, amount, meters, reservationId, idempotencyKey, overrun, null, null);
  }

  /**
   * When this spend counts against budgets: when its reservation was made, else when it was
   * recorded. A store charges a commit to the counters its reservation held: those of the period
   * it was reserved in, and none that an admin reset of its subject started afresh since, however
   * late it is committed. A budget rebuilt from the ledger must count it the same way.
   */
  public Instant chargedAt() {
    return reservedAt != null ? reservedAt : at;
  }
}
