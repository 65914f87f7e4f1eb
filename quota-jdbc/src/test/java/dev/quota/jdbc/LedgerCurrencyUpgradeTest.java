package dev.quota.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Money;
import dev.quota.MoneyTotal;
import dev.quota.jdbc.CostReports.GroupBy;
import dev.quota.jdbc.CostReports.Period;
import dev.quota.ledger.UsageEntry;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A ledger the version before kept (migrated up to V9: raw rows and a rollup, none with a currency)
 * opened by this one: its rows are reported in no currency, apart from what is written now in one,
 * and a rolled-up day takes a row in a currency beside its old rollup of the same subjects.
 */
class LedgerCurrencyUpgradeTest {
  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(Backend.class)
  void rowsWrittenBeforeCurrenciesAreReportedInNoneBesideNewOnes(Backend backend) throws SQLException {
    try (EarlierSchema earlier = new EarlierSchema(backend, dir.resolve("data")).migratedTo("9")) {
      try (Connection c = earlier.connect();
          Statement s = c.createStatement()) {
        s.execute("INSERT INTO usage_daily (usage_day, user_id, team_id, project_id, tool_id, provider_id, amount, entries)"
            + " VALUES (DATE '2025-02-10', 'alice', '', '', '', '', 1.25, 2)");
        s.execute("UPDATE ledger_state SET rolled_up_before = DATE '2025-03-01' WHERE id = 1");
        s.execute("INSERT INTO usage_entry (id, at, usage_day, user_id, subjects, amount, meters, overrun)"
            + " VALUES ('old', TIMESTAMP WITH TIME ZONE '2025-03-05 10:00:00+00', DATE '2025-03-05', 'alice',"
            + " '\nuser:alice\n', 0.50, '{}', 0)");
      }

      try (Database db = earlier.open();
          var ledger = JdbcUsageLedger.builder(db).spoolDirectory(dir.resolve("spool")).build()) {
        ledger.append(euros("late", "2025-02-10T12:00:00Z", "0.40"));
        ledger.append(euros("new", "2025-03-05T11:00:00Z", "2.00"));

        assertThat(new CostReports(db).report(LocalDate.parse("2025-02-01"), LocalDate.parse("2025-04-01"), Period.DAY,
            GroupBy.USER, Map.of())).containsExactly(
                new CostRow("2025-02-10", "alice", "EUR", MoneyTotal.of("0.40"), 1),
                new CostRow("2025-02-10", "alice", null, MoneyTotal.of("1.25"), 2),
                new CostRow("2025-03-05", "alice", "EUR", MoneyTotal.of("2.00"), 1),
                new CostRow("2025-03-05", "alice", null, MoneyTotal.of("0.50"), 1));
      }
    }
  }

  private static UsageEntry euros(String id, String at, String amount) {
    return new UsageEntry(id, Instant.parse(at), Map.of("user", "alice"), Money.of(amount), Map.of(), null, null,
        Money.ZERO, null, "EUR");
  }
}
