package dev.quota.jdbc;

import static dev.quota.jdbc.Entries.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.MoneyTotal;
import dev.quota.ValidationException;
import dev.quota.jdbc.CostReports.GroupBy;
import dev.quota.jdbc.CostReports.Period;
import dev.quota.jdbc.internal.LedgerRow;
import dev.quota.store.conformance.MutableClock;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Scopes of a platform's own ({@code org:acme}) are reported like the built-in ones: the ledger
 * keeps each entry's subjects of such scopes beside it, so a report filters and groups by them.
 */
class CustomScopeCostReportsTest {
  static final Instant NOW = Instant.parse("2025-03-31T09:00:00Z");
  static final LocalDate FROM = LocalDate.parse("2025-03-01");
  static final LocalDate TO = LocalDate.parse("2025-04-01");
  final MutableClock clock = new MutableClock(NOW);
  @TempDir Path dir;

  JdbcUsageLedger ledger(Backend.TestDb t) {
    return JdbcUsageLedger.builder(t.db).spoolDirectory(dir.resolve("spool")).clock(clock).build();
  }

  static void seed(JdbcUsageLedger ledger) {
    ledger.append(entry("a1", Instant.parse("2025-03-02T10:00:00Z"), Map.of("org", "acme", "user", "alice", "provider", "openai"), "1.00", "k-a1"));
    ledger.append(entry("a2", Instant.parse("2025-03-05T10:00:00Z"),
        Map.of("org", "acme", "dept", "rnd", "user", "bob", "provider", "anthropic"), "2.00", "k-a2"));
    ledger.append(entry("g1", Instant.parse("2025-03-05T11:00:00Z"), Map.of("org", "globex", "user", "carol", "provider", "openai"), "4.00", "k-g1"));
    ledger.append(entry("n1", Instant.parse("2025-03-06T12:00:00Z"), Map.of("user", "dave", "provider", "openai"), "8.00", "k-n1"));
  }

  static CostRow row(String period, String key, String amount, long entries) {
    return new CostRow(period, key, null, MoneyTotal.of(amount), entries);
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void reportsFilterAndGroupByAScopeOfThePlatformsOwn(Backend backend) {
    try (var t = backend.open(dir);
        var ledger = ledger(t)) {
      seed(ledger);
      var reports = new CostReports(t.db);

      assertThat(reports.report(FROM, TO, Period.MONTH, GroupBy.PROVIDER, Map.of("org", "acme")))
          .containsExactly(row("2025-03", "anthropic", "2.00", 1), row("2025-03", "openai", "1.00", 1));
      assertThat(reports.report(FROM, TO, Period.DAY, GroupBy.NONE, Map.of("org", "acme")))
          .containsExactly(row("2025-03-02", null, "1.00", 1), row("2025-03-05", null, "2.00", 1));
      assertThat(reports.report(FROM, TO, Period.MONTH, "org", Map.of()))
          .containsExactly(row("2025-03", null, "8.00", 1), row("2025-03", "acme", "3.00", 2), row("2025-03", "globex", "4.00", 1));
      assertThat(reports.report(FROM, TO, Period.MONTH, "dept", Map.of("org", "acme")))
          .containsExactly(row("2025-03", null, "1.00", 1), row("2025-03", "rnd", "2.00", 1));
      assertThat(reports.report(FROM, TO, Period.MONTH, "org", Map.of("dept", "rnd", "user", "bob")))
          .containsExactly(row("2025-03", "acme", "2.00", 1));
      assertThat(reports.report(FROM, TO, Period.MONTH, "org", Map.of("provider", "openai")))
          .containsExactly(row("2025-03", null, "8.00", 1), row("2025-03", "acme", "1.00", 1), row("2025-03", "globex", "4.00", 1));
      assertThat(reports.report(FROM, TO, Period.MONTH, GroupBy.USER, Map.of("org", "nobody"))).isEmpty();
      assertThat(reports.totals(Instant.parse("2025-03-05T00:00:00Z"), NOW, GroupBy.USER, Map.of("org", "acme")))
          .extracting(CostRow::key, CostRow::amount)
          .containsExactly(org.assertj.core.groups.Tuple.tuple("bob", MoneyTotal.of("2.00")));
    }
  }

  /** A repeat keeps the first entry and its subjects, once; a multi-row batch writes each entry's subjects with it. */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void batchesAndRepeatsKeepEachEntrysSubjectsOnce(Backend backend) throws Exception {
    try (var t = backend.open(dir);
        var ledger = ledger(t)) {
      seed(ledger);
      ledger.append(entry("a1", Instant.parse("2025-03-02T10:00:00Z"), Map.of("org", "acme", "user", "alice", "provider", "openai"), "1.00", "k-a1"));
      assertThat(t.queryLong("SELECT COUNT(*) FROM usage_entry_subject")).isEqualTo(4);

      // Straight to the writer, as the ledger's batching would hand it: new rows, one of a day
      // already rolled up, one repeating a stored entry and one repeating an earlier row of the batch.
      t.execute("UPDATE ledger_state SET rolled_up_before = DATE '2025-03-02' WHERE id = 1");
      var inserter = new LedgerInserter(
          t.db.engine(), t.db.dataSource(), new ReentrantReadWriteLock(), new RollupWatermark(), clock, JdbcUsageLedger.MIN_RAW_RETENTION);
      var b1 = entry("b1", Instant.parse("2025-03-20T10:00:00Z"), Map.of("org", "acme", "user", "erin"), "0.10", "k-b1");
      inserter.insert(List.of(
          LedgerRow.of(b1),
          LedgerRow.of(entry("b2", Instant.parse("2025-03-20T11:00:00Z"), Map.of("org", "initech", "dept", "ops"), "0.20", "k-b2")),
          LedgerRow.of(entry("b3", Instant.parse("2025-03-20T12:00:00Z"), Map.of("user", "frank"), "0.40", "k-b3")),
          LedgerRow.of(entry("late", Instant.parse("2025-03-01T12:00:00Z"), Map.of("org", "acme"), "0.80", "k-late")),
          LedgerRow.of(entry("g1", Instant.parse("2025-03-05T11:00:00Z"), Map.of("org", "globex", "user", "carol"), "4.00", "k-g1")),
          LedgerRow.of(b1)));

      assertThat(t.queryLong("SELECT COUNT(*) FROM usage_entry")).isEqualTo(8);
      assertThat(t.queryLong("SELECT COUNT(*) FROM usage_entry_subject")).isEqualTo(8);
      assertThat(new CostReports(t.db).report(LocalDate.parse("2025-03-02"), TO, Period.MONTH, "org", Map.of()))
          .containsExactly(row("2025-03", null, "8.40", 2), row("2025-03", "acme", "3.10", 3),
              row("2025-03", "globex", "4.00", 1), row("2025-03", "initech", "0.20", 1));
    }
  }

  /**
   * Pruning deletes an entry's subjects with it and keeps their daily totals per scope, identifier,
   * tool, provider and currency, so a report on another scope covers rolled-up days as a built-in
   * scope's does, late rows for those days included; a combination those totals cannot answer
   * (another scope's subject and a user) is refused for those days, naming them.
   */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void reportsOnOtherScopesReachBackThroughTheRollups(Backend backend) {
    try (var t = backend.open(dir);
        var ledger = ledger(t)) {
      seed(ledger);
      // 32 days before 2025-04-06T09:00Z is 2025-03-05T09:00Z: whole days before 2025-03-05 go.
      ledger.prune(Instant.parse("2025-04-06T09:00:00Z"));
      assertThat(t.queryLong("SELECT COUNT(*) FROM usage_entry_subject")).isEqualTo(3);
      // Late rows of a day already rolled up, one of an org seen that day and one of a new org.
      ledger.append(entry("late1", Instant.parse("2025-03-02T15:00:00Z"), Map.of("org", "acme", "provider", "openai"), "0.25", "k-late1"));
      ledger.append(entry("late2", Instant.parse("2025-03-03T15:00:00Z"), Map.of("org", "initech", "tool", "search"), "0.50", "k-late2"));
      ledger.append(entry("late3", Instant.parse("2025-03-03T16:00:00Z"), Map.of("user", "dave"), "0.75", "k-late3"));
      var reports = new CostReports(t.db);

      List<CostRow> acmeByProvider = List.of(row("2025-03", "anthropic", "2.00", 1), row("2025-03", "openai", "1.25", 2));
      List<CostRow> acmeByDay = List.of(row("2025-03-02", null, "1.25", 2), row("2025-03-05", null, "2.00", 1));
      List<CostRow> byOrg = List.of(row("2025-03", null, "8.75", 2), row("2025-03", "acme", "3.25", 3),
          row("2025-03", "globex", "4.00", 1), row("2025-03", "initech", "0.50", 1));
      assertThat(reports.report(FROM, TO, Period.MONTH, GroupBy.PROVIDER, Map.of("org", "acme"))).isEqualTo(acmeByProvider);
      assertThat(reports.report(FROM, TO, Period.DAY, GroupBy.NONE, Map.of("org", "acme"))).isEqualTo(acmeByDay);
      assertThat(reports.report(FROM, TO, Period.MONTH, "org", Map.of())).isEqualTo(byOrg);
      assertThat(reports.report(FROM, TO, Period.MONTH, "org", Map.of("tool", "search")))
          .containsExactly(row("2025-03", "initech", "0.50", 1));
      assertThat(reports.report(FROM, TO, Period.MONTH, GroupBy.TOOL, Map.of("org", "initech")))
          .containsExactly(row("2025-03", "search", "0.50", 1));

      // Every day rolled up now, the late rows with them: the same totals, from rollups alone.
      ledger.prune(Instant.parse("2025-05-06T09:00:00Z"));
      assertThat(t.queryLong("SELECT COUNT(*) FROM usage_entry_subject")).isZero();
      assertThat(reports.report(FROM, TO, Period.MONTH, GroupBy.PROVIDER, Map.of("org", "acme"))).isEqualTo(acmeByProvider);
      assertThat(reports.report(FROM, TO, Period.DAY, GroupBy.NONE, Map.of("org", "acme"))).isEqualTo(acmeByDay);
      assertThat(reports.report(FROM, TO, Period.MONTH, "org", Map.of())).isEqualTo(byOrg);

      assertThatThrownBy(() -> reports.report(FROM, TO, Period.MONTH, GroupBy.USER, Map.of("org", "acme")))
          .isInstanceOfSatisfying(ValidationException.class, e -> {
            assertThat(e.field()).isEqualTo("from");
            assertThat(e.getMessage()).contains("2025-04-04");
          });
      assertThatThrownBy(() -> reports.report(FROM, TO, Period.MONTH, "dept", Map.of("org", "acme")))
          .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("from"));
      // The built-in scopes still read the rollups.
      assertThat(reports.report(FROM, TO, Period.MONTH, GroupBy.NONE, Map.of("user", "alice")))
          .containsExactly(row("2025-03", null, "1.00", 1));
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void malformedScopesAreRefusedNamingTheField(Backend backend) {
    try (var t = backend.open(dir)) {
      var reports = new CostReports(t.db);
      assertThatThrownBy(() -> reports.report(FROM, TO, Period.DAY, GroupBy.NONE, Map.of("Org", "acme")))
          .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("filter.Org"));
      assertThatThrownBy(() -> reports.report(FROM, TO, Period.DAY, "org-unit", Map.of()))
          .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("groupBy"));
      assertThatThrownBy(() -> reports.report(FROM, TO, Period.DAY, GroupBy.NONE, Map.of("org", "")))
          .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("filter.org"));
    }
  }
}
