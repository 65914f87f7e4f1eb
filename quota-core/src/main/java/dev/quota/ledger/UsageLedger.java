package dev.quota.ledger;

import dev.quota.MoneyTotal;
import java.time.Instant;
import java.util.List;
import java.util.Map;

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
   * Total amount of entries in {@code [from, to)} whose subjects include every pair in
   * {@code subjects} (one subject, or a pair such as user and tool), exact however far it passes
   * the bound of one amount.
   */
  MoneyTotal spent(Map<String, String> subjects, Instant from, Instant to);

  /** Entries in {@code [from, to)} attributed to {@code subjects} (all of them), oldest first. */
  List<UsageEntry> entries(Map<String, String> subjects, Instant from, Instant to);

  @java.lang.Override
  default void close() {}
}
