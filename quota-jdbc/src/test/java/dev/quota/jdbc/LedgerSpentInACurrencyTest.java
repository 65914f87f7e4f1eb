package dev.quota.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Money;
import dev.quota.MoneyTotal;
import dev.quota.ledger.UsageEntry;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A budget is seeded from the spend in its own currency and the spend in none (a row charged to
 * budgets of two currencies, each of which took it, or written before rows kept one); a row in
 * another currency was never charged to it. Budget counters are kept per currency, so summing that
 * row too would seed a euro budget with dollars.
 */
class LedgerSpentInACurrencyTest {
  private static final Instant T0 = Instant.parse("2025-03-10T12:00:00Z");
  private static final Instant DAY_END = Instant.parse("2025-03-11T00:00:00Z");
  private static final Map<String, String> TEAM = Map.of("team", "ov");
  private static final Map<String, String> TEAM_AND_MODEL = Map.of("team", "ov", "model", "large");
  @TempDir Path dir;

  private static UsageEntry spend(String id, Instant at, String amount, String currency) {
    return new UsageEntry(id, at, Map.of("team", "ov", "user", "alice", "model", "large"), Money.of(amount),
        Map.of("requests", 1L), null, null, Money.ZERO, null, currency);
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void countsTheRowsInItsCurrencyAndThoseInNone(Backend backend) {
    try (var t = backend.open(dir);
        var ledger = JdbcUsageLedger.builder(t.db).spoolDirectory(dir.resolve("spool")).build()) {
      ledger.append(spend("usd", T0, "0.50", "USD"));
      ledger.append(spend("eur", T0.plusSeconds(1), "2.00", "EUR"));
      ledger.append(spend("none", T0.plusSeconds(2), "1.00", null));
      ledger.append(spend("tomorrow", DAY_END, "4.00", "EUR"));

      assertThat(ledger.spent(TEAM, "USD", T0, DAY_END)).isEqualTo(MoneyTotal.of("1.50"));
      assertThat(ledger.spent(TEAM, "EUR", T0, DAY_END)).isEqualTo(MoneyTotal.of("3.00"));
      assertThat(ledger.spent(TEAM, "GBP", T0, DAY_END)).isEqualTo(MoneyTotal.of("1.00"));
      // a pair whose subject has no column of its own is matched in the subjects text
      assertThat(ledger.spent(TEAM_AND_MODEL, "EUR", T0, DAY_END)).isEqualTo(MoneyTotal.of("3.00"));
      assertThat(ledger.spent(TEAM, "EUR", T0.plusSeconds(2), DAY_END.plusSeconds(1))).isEqualTo(MoneyTotal.of("5.00"));
      // every currency, as before, for what is not a budget's spend
      assertThat(ledger.spent(TEAM, T0, DAY_END)).isEqualTo(MoneyTotal.of("3.50"));
    }
  }
}
