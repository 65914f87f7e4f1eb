package dev.quota.jdbc;

import dev.quota.Money;
import dev.quota.ledger.UsageEntry;
import java.time.Instant;
import java.util.Map;

/** Ledger entries for tests. */
final class Entries {
  private Entries() {}

  static UsageEntry entry(String id, Instant at, Map<String, String> subjects, String amount, String idempotencyKey) {
    return new UsageEntry(
        id, at, subjects, Money.of(amount), Map.of("requests", 1L, "tokens", 1200L), null, idempotencyKey, Money.ZERO);
  }

  static UsageEntry forUser(String id, Instant at, String user, String amount) {
    return entry(id, at, Map.of("user", user, "team", "core", "tool", "web_search", "provider", "openai"), amount, "k-" + id);
  }
}
