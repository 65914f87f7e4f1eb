package dev.quota.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.MoneyTotal;
import dev.quota.jdbc.CostReports.Period;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A ledger the version before kept (migrated up to V11: subjects of every scope in the text
 * column alone) opened by this one: its rows' subjects without a column of their own are taken
 * from that text, so reports on those scopes cover the rows stored before.
 */
class LedgerEntrySubjectsUpgradeTest {
  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(Backend.class)
  void rowsStoredBeforeAreReportedByTheirOtherScopes(Backend backend) throws SQLException {
    try (EarlierSchema earlier = new EarlierSchema(backend, dir.resolve("data")).migratedTo("11")) {
      try (Connection c = earlier.connect();
          Statement s = c.createStatement()) {
        s.execute(row("acme-1", "2025-03-05", "alice", "\norg:acme\nregion:eu:west\nuser:alice\n", "1.50"));
        s.execute(row("acme-2", "2025-03-06", null, "\norg:acme\n", "2.00"));
        s.execute(row("globex", "2025-03-06", "bob", "\norg:globex\nuser:bob\n", "4.00"));
        s.execute(row("plain", "2025-03-06", "carol", "\nuser:carol\n", "8.00"));
      }

      try (Database db = earlier.open()) {
        try (Connection c = db.connection();
            Statement s = c.createStatement();
            var rs = s.executeQuery("SELECT COUNT(*) FROM usage_entry_subject")) {
          rs.next();
          assertThat(rs.getLong(1)).isEqualTo(4);
        }
        var reports = new CostReports(db);
        LocalDate from = LocalDate.parse("2025-03-01");
        LocalDate to = LocalDate.parse("2025-04-01");
        assertThat(reports.report(from, to, Period.MONTH, "org", Map.of())).containsExactly(
            new CostRow("2025-03", null, null, MoneyTotal.of("8.00"), 1),
            new CostRow("2025-03", "acme", null, MoneyTotal.of("3.50"), 2),
            new CostRow("2025-03", "globex", null, MoneyTotal.of("4.00"), 1));
        assertThat(reports.report(from, to, Period.DAY, "user", Map.of("region", "eu:west"))).containsExactly(
            new CostRow("2025-03-05", "alice", null, MoneyTotal.of("1.50"), 1));
      }
    }
  }

  private static String row(String id, String day, String user, String subjects, String amount) {
    return "INSERT INTO usage_entry (id, at, usage_day, user_id, subjects, amount, meters, overrun) VALUES ('" + id
        + "', TIMESTAMP WITH TIME ZONE '" + day + " 10:00:00+00', DATE '" + day + "', "
        + (user == null ? "NULL" : "'" + user + "'") + ", '" + subjects + "', " + amount + ", '{}', 0)";
  }
}
