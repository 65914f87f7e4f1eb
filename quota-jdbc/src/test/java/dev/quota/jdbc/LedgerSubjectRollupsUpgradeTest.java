package dev.quota.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.MoneyTotal;
import dev.quota.jdbc.CostReports.GroupBy;
import dev.quota.jdbc.CostReports.Period;
import dev.quota.store.conformance.MutableClock;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A ledger the version before kept (migrated up to V13: subjects of scopes without a column beside
 * the raw rows, rollups of the built-in scopes alone) opened by this one. Days already rolled up
 * lost those subjects with their raw rows, but a row stored late for such a day still has them and
 * is rolled up by the migration; days not rolled up yet are by the next prune. A report on such a
 * scope then reaches back through the rollups instead of being refused.
 */
class LedgerSubjectRollupsUpgradeTest {
  static final LocalDate FROM = LocalDate.parse("2025-03-01");
  static final LocalDate TO = LocalDate.parse("2025-04-01");
  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(Backend.class)
  void rowsStillRawAreRolledUpBySubject(Backend backend) throws SQLException {
    try (EarlierSchema earlier = new EarlierSchema(backend, dir.resolve("data")).migratedTo("13")) {
      try (Connection c = earlier.connect();
          Statement s = c.createStatement()) {
        s.execute("UPDATE ledger_state SET rolled_up_before = DATE '2025-03-10' WHERE id = 1");
        // Pruned before: two entries of org acme, whose subjects went with their raw rows.
        s.execute(rollup("2025-03-02", "5.00", 2));
        // Stored late for a day rolled up: raw, with its subject, and counted in its rollup.
        s.execute(entry("late", "2025-03-03", "\norg:acme\nprovider:openai\n", "0.25"));
        s.execute(subject("late", "2025-03-03", "acme"));
        s.execute(rollup("2025-03-03", "0.25", 1));
        // Not rolled up yet.
        s.execute(entry("recent", "2025-03-12", "\norg:acme\nprovider:openai\n", "1.00"));
        s.execute(subject("recent", "2025-03-12", "acme"));
      }

      try (Database db = earlier.open()) {
        var reports = new CostReports(db);
        List<CostRow> acme = List.of(row("2025-03", "openai", "1.25", 2));
        List<CostRow> byOrg = List.of(row("2025-03", null, "5.00", 2), row("2025-03", "acme", "1.25", 2));
        assertThat(reports.report(FROM, TO, Period.MONTH, GroupBy.PROVIDER, Map.of("org", "acme"))).isEqualTo(acme);
        assertThat(reports.report(FROM, TO, Period.MONTH, "org", Map.of())).isEqualTo(byOrg);

        try (var ledger = JdbcUsageLedger.builder(db).spoolDirectory(dir.resolve("spool"))
            .clock(new MutableClock(Instant.parse("2025-04-20T09:00:00Z"))).build()) {
          ledger.prune(Instant.parse("2025-04-20T09:00:00Z"));
        }
        assertThat(reports.report(FROM, TO, Period.MONTH, GroupBy.PROVIDER, Map.of("org", "acme"))).isEqualTo(acme);
        assertThat(reports.report(FROM, TO, Period.MONTH, "org", Map.of())).isEqualTo(byOrg);
      }
    }
  }

  private static CostRow row(String period, String key, String amount, long entries) {
    return new CostRow(period, key, null, MoneyTotal.of(amount), entries);
  }

  private static String rollup(String day, String amount, long entries) {
    return "INSERT INTO usage_daily (usage_day, user_id, team_id, project_id, tool_id, provider_id, currency, amount, entries)"
        + " VALUES (DATE '" + day + "', '', '', '', '', 'openai', '', " + amount + ", " + entries + ")";
  }

  private static String entry(String id, String day, String subjects, String amount) {
    return "INSERT INTO usage_entry (id, at, usage_day, provider_id, subjects, amount, meters, overrun) VALUES ('" + id
        + "', TIMESTAMP WITH TIME ZONE '" + day + " 10:00:00+00', DATE '" + day + "', 'openai', '" + subjects + "', "
        + amount + ", '{}', 0)";
  }

  private static String subject(String id, String day, String org) {
    return "INSERT INTO usage_entry_subject (entry_id, usage_day, scope, subject_id) VALUES ('" + id + "', DATE '" + day
        + "', 'org', '" + org + "')";
  }
}
