package dev.quota.ledger;

import dev.quota.MoneyTotal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The durable record of what was spent. {@link #append} returns only once the entry is durable,
 * so an acknowledged commit can never vanish; counters in any store are copies that can be
 * rebuilt from here with {@link #spent}.
 *
 * <p>{@link MemoryLedger} here; the JDBC ledger (group commit, spool file) in {@code quota-jdbc}.
 */
public interface UsageLedger extends AutoCloseable {

  /** Appends {@code entry} durably; a repeated idempotency key or reservation id is a no-op. */
  void append(UsageEntry entry);

  /**
   * Total amount of entries charged in {@code [from, to)} ({@link UsageEntry#chargedAt}: a commit
   * when its reservation was made, recorded usage when recorded) whose subjects include every pair
   * in {@code subjects} (one subject, or a pair such as user and tool), exact however far it passes
   * the bound of one amount, in whatever currency each entry is: for a subject whose spend is all
   * in one currency, what it spent. Budgets are seeded from {@link #spent(Map, String, Instant,
   * Instant)} instead.
   */
  MoneyTotal spent(Map<String, String> subjects, Instant from, Instant to);

  /**
   * As {@link #spent(Map, Instant, Instant)}, counting only the entries in {@code currency} and
   * those in none ({@link UsageEntry#currency} null). This is what a budget in {@code currency}
   * counted over that range holds, which is what the engine seeds a budget's counter from: one
   * created during its period, or one the store lost. An entry in no currency was charged to
   * budgets of different currencies, each of which took its amount as its own (or to none), so
   * every budget counts it; an entry in another currency was never charged to this budget.
   */
  MoneyTotal spent(Map<String, String> subjects, String currency, Instant from, Instant to);

  /**
   * Entries written in {@code [from, to)} ({@link UsageEntry#at}) attributed to {@code subjects}
   * (all of them), oldest first.
   */
  List<UsageEntry> entries(Map<String, String> subjects, Instant from, Instant to);

  /**
   * The entry appended with {@code idempotencyKey}, if this ledger can tell: empty if it holds none,
   * or if it cannot be read now (its database is away). A store forgets idempotency keys when it
   * loses its data; the engine asks here so that a retry after such a loss is not applied twice,
   * and relies on the store's own memory of the key when the ledger cannot answer.
   */
  Optional<UsageEntry> withIdempotencyKey(String idempotencyKey);

  /**
   * The entry that committed {@code reservationId}, if this ledger can tell: empty if it holds none,
   * or if it cannot be read now. Asked only about reservations the store does not know, so that a
   * commit retried after the store lost its data is answered as the repeat it is.
   */
  Optional<UsageEntry> withReservationId(String reservationId);

  @java.lang.Override
  default void close() {}
}
