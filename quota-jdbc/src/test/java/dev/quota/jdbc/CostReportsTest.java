package dev.quota.jdbc;

import static dev.quota.jdbc.Entries.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.Money;
import dev.quota.MoneyTotal;
import dev.quota.ValidationException;
import dev.quota.jdbc.CostReports.GroupBy;
import dev.quota.jdbc.CostReports.Period;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CostReportsTest {
  static final Instant NOW = Instant.parse("2025-03-31T09:00:00Z");
  static final LocalDate FROM = LocalDate.parse("2025-01-01");
  static final LocalDate TO = LocalDate.parse("2025-04-01");
  @TempDir Path dir;

  static Map<String, String> who(String user, String tool, String provider) {
    return Map.of("user", user, "team", "core", "tool", tool, "provider", provider);
  }

  /** Spend spread over February (to be pruned) and March (kept raw). */
  static void seed(JdbcUsageLedger ledger) {
    ledger.append(entry("f1", Instant.parse("2025-02-10T23:59:59.999999Z"), who("alice", "web_search", "openai"), "1.10", null));
    ledger.append(entry("f2", Instant.parse("2025-02-10T08:00:00Z"), who("bob", "image_gen", "openai"), "2.000000001", null));
    ledger.append(entry("f3", Instant.parse("2025-02-28T12:00:00Z"), who("alice", "image_gen", "anthropic"), "3", null));
    ledger.append(entry("m1", Instant.parse("2025-03-01T00:00:00Z"), who("alice", "web_search", "anthropic"), "0.25", null));
    ledger.append(entry("m2", Instant.parse("2025-03-30T10:00:00Z"), who("bob", "web_search", "openai"), "0.75", null));
    ledger.append(entry("m3", Instant.parse("2025-03-30T11:00:00Z"), Map.of("project", "apollo"), "5", null));
  }

  JdbcUsageLedger ledger(Backend.TestDb t) {
    return JdbcUsageLedger.builder(t.db).spoolDirectory(dir.resolve("spool")).build();
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void reportsByDayAndMonthGroupedBySubjectToolAndProvider(Backend backend) {
    try (var t = backend.open(dir);
        var ledger = ledger(t)) {
      seed(ledger);
      var reports = new CostReports(t.db);

      assertThat(reports.report(FROM, TO, Period.MONTH, GroupBy.USER, Map.of()))
          .containsExactly(
              new CostRow("2025-02", "alice", null, MoneyTotal.of("4.10"), 2),
              new CostRow("2025-02", "bob", null, MoneyTotal.of("2.000000001"), 1),
              new CostRow("2025-03", null, null, MoneyTotal.of("5"), 1),
              new CostRow("2025-03", "alice", null, MoneyTotal.of("0.25"), 1),
              new CostRow("2025-03", "bob", null, MoneyTotal.of("0.75"), 1));
      assertThat(reports.report(FROM, TO, Period.DAY, GroupBy.PROVIDER, Map.of("user", "alice")))
          .containsExactly(
              new CostRow("2025-02-10", "openai", null, MoneyTotal.of("1.10"), 1),
              new CostRow("2025-02-28", "anthropic", null, MoneyTotal.of("3"), 1),
              new CostRow("2025-03-01", "anthropic", null, MoneyTotal.of("0.25"), 1));
      assertThat(reports.report(FROM, TO, Period.MONTH, GroupBy.NONE, Map.of("tool", "web_search")))
          .containsExactly(new CostRow("2025-02", null, null, MoneyTotal.of("1.10"), 1), new CostRow("2025-03", null, null, MoneyTotal.of("1.00"), 2));
      assertThat(reports.report(LocalDate.parse("2025-02-11"), LocalDate.parse("2025-03-01"), Period.DAY, GroupBy.TOOL, Map.of()))
          .containsExactly(new CostRow("2025-02-28", "image_gen", null, MoneyTotal.of("3"), 1));

      Instant from = Instant.parse("2025-02-10T08:00:00Z");
      assertThat(reports.totals(from, NOW, GroupBy.TOOL, Map.of("team", "core")))
          .extracting(CostRow::key, CostRow::amount)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple("image_gen", MoneyTotal.of("5.000000001")),
              org.assertj.core.groups.Tuple.tuple("web_search", MoneyTotal.of("2.10")));
      assertThat(reports.totals(from, NOW, GroupBy.NONE, Map.of()).get(0).amount()).isEqualTo(MoneyTotal.of("12.100000001"));
      assertThat(reports.totals(NOW, NOW.plusSeconds(1), GroupBy.NONE, Map.of())).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void pruningFoldsOldDaysIntoRollupsWithoutChangingAnyReport(Backend backend) {
    try (var t = backend.open(dir);
        var ledger = ledger(t)) {
      seed(ledger);
      var reports = new CostReports(t.db);
      List<List<CostRow>> before = allReports(reports);

      // 32 days (the default) before 2025-04-02T09:00Z is 2025-03-01T09:00Z: whole days before 2025-03-01 go.
      Instant prunedAt = Instant.parse("2025-04-02T09:00:00Z");
      PruneResult result = ledger.prune(prunedAt);

      assertThat(result.rolledUpBefore()).isEqualTo(LocalDate.parse("2025-03-01"));
      assertThat(result.rawRowsDeleted()).isEqualTo(3);
      assertThat(t.queryLong("SELECT COUNT(*) FROM usage_entry")).isEqualTo(3);
      assertThat(t.queryLong("SELECT COUNT(*) FROM usage_daily")).isEqualTo(3);
      assertThat(allReports(reports)).isEqualTo(before);
      assertThat(ledger.prune(prunedAt)).isEqualTo(new PruneResult(LocalDate.parse("2025-03-01"), 0, 0));

      // A late entry for a rolled-up day (e.g. a replayed spool) counts once, in the rollup.
      var late = entry("late", Instant.parse("2025-02-10T09:00:00Z"), who("alice", "web_search", "openai"), "0.90", null);
      ledger.append(late);
      ledger.append(late);
      assertThat(reports.report(FROM, TO, Period.DAY, GroupBy.USER, Map.of("tool", "web_search")))
          .startsWith(new CostRow("2025-02-10", "alice", null, MoneyTotal.of("2.00"), 2));

      // Rollups outlive raw rows by far (400 days by default), but not forever: 400 days after
      // 2025-03-01 the February rollups go and March's stay.
      PruneResult muchLater = ledger.prune(Instant.parse("2026-04-05T09:00:00Z"));
      assertThat(muchLater.rollupRowsDeleted()).isEqualTo(3);
      assertThat(t.queryLong("SELECT COUNT(*) FROM usage_entry")).isZero();
      assertThat(t.queryLong("SELECT COUNT(*) FROM usage_daily")).isEqualTo(3);
      assertThat(reports.report(FROM, LocalDate.parse("2026-04-06"), Period.MONTH, GroupBy.NONE, Map.of()))
          .containsExactly(new CostRow("2025-03", null, null, MoneyTotal.of("6.00"), 3));
    }
  }

  /** Each amount is bounded; what they add up to is not, in raw rows, in rollups and in the ledger's sum. */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void totalsPastTheMaximumOfOneAmountAreExact(Backend backend) {
    String max = Money.MAX.toPlainString();
    MoneyTotal two = MoneyTotal.of("18014398.509481982");
    MoneyTotal four = MoneyTotal.of("36028797.018963964");
    try (var t = backend.open(dir);
        var ledger = ledger(t)) {
      ledger.append(entry("old1", Instant.parse("2025-02-10T08:00:00Z"), who("big", "web_search", "openai"), max, null));
      ledger.append(entry("old2", Instant.parse("2025-02-10T09:00:00Z"), who("big", "web_search", "openai"), max, null));
      ledger.append(entry("new1", Instant.parse("2025-03-30T08:00:00Z"), who("big", "web_search", "openai"), max, null));
      ledger.append(entry("new2", Instant.parse("2025-03-30T09:00:00Z"), who("big", "web_search", "openai"), max, null));
      var reports = new CostReports(t.db);
      assertThat(ledger.spent(Map.of("user", "big"), Instant.parse("2025-03-30T00:00:00Z"), NOW)).isEqualTo(two);
      assertThat(reports.totals(Instant.parse("2025-02-01T00:00:00Z"), NOW, GroupBy.USER, Map.of()))
          .extracting(CostRow::amount).containsExactly(four);

      ledger.prune(NOW);
      assertThat(t.queryLong("SELECT COUNT(*) FROM usage_daily")).isEqualTo(1);
      assertThat(reports.report(FROM, TO, Period.MONTH, GroupBy.USER, Map.of("user", "big")))
          .containsExactly(new CostRow("2025-02", "big", null, two, 2), new CostRow("2025-03", "big", null, two, 2));
      List<CostRow> whole = reports.report(FROM, TO, Period.MONTH, GroupBy.NONE, Map.of());
      assertThat(CostReports.toCsv(whole, GroupBy.NONE))
          .isEqualTo("period,amount,entries,currency\r\n2025-02,18014398.509481982,2,\r\n2025-03,18014398.509481982,2,\r\n");
    }
  }

  static List<List<CostRow>> allReports(CostReports reports) {
    return List.of(
        reports.report(FROM, TO, Period.DAY, GroupBy.USER, Map.of()),
        reports.report(FROM, TO, Period.MONTH, GroupBy.TOOL, Map.of()),
        reports.report(FROM, TO, Period.MONTH, GroupBy.PROVIDER, Map.of("team", "core")),
        reports.report(FROM, TO, Period.DAY, GroupBy.NONE, Map.of()));
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void rejectsBadReportQueries(Backend backend) {
    try (var t = backend.open(dir)) {
      var reports = new CostReports(t.db);
      assertThatThrownBy(() -> reports.report(TO, FROM, Period.DAY, GroupBy.USER, Map.of()))
          .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("to"));
      assertThatThrownBy(() -> reports.report(FROM, TO, Period.DAY, GroupBy.USER, Map.of("Region", "eu")))
          .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("filter.Region"));
      assertThatThrownBy(() -> GroupBy.fromWire("groupBy", "color"))
          .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("groupBy"));
    }
  }

  @org.junit.jupiter.api.Test
  void rendersJsonAndCsv() {
    List<CostRow> rows =
        List.of(
            new CostRow("2025-03", "alice", "EUR", MoneyTotal.of("4.1"), 2),
            new CostRow("2025-03", null, null, MoneyTotal.of("0.000000001"), 1),
            new CostRow("2025-03", "=HYPERLINK(\"x\"),y", null, MoneyTotal.of("5"), 1));
    assertThat(CostReports.toJsonText(rows, GroupBy.USER))
        .isEqualTo(
            "[{\"period\":\"2025-03\",\"user\":\"alice\",\"currency\":\"EUR\",\"amount\":\"4.10\",\"entries\":2},"
                + "{\"period\":\"2025-03\",\"user\":null,\"currency\":null,\"amount\":\"0.000000001\",\"entries\":1},"
                + "{\"period\":\"2025-03\",\"user\":\"=HYPERLINK(\\\"x\\\"),y\",\"currency\":null,\"amount\":\"5.00\",\"entries\":1}]");
    assertThat(CostReports.toCsv(rows, GroupBy.USER))
        .isEqualTo(
            "period,user,amount,entries,currency\r\n"
                + "2025-03,alice,4.10,2,EUR\r\n"
                + "2025-03,,0.000000001,1,\r\n"
                + "2025-03,\"'=HYPERLINK(\"\"x\"\"),y\",5.00,1,\r\n");
    assertThat(CostReports.toCsv(rows.subList(0, 1), GroupBy.NONE))
        .isEqualTo("period,amount,entries,currency\r\n2025-03,4.10,2,EUR\r\n");
  }

  /** =x was written '=x, exactly as '=x was: the guard must not make two values one cell. */
  @org.junit.jupiter.api.Test
  void theFormulaGuardKeepsEveryValueDistinct() {
    assertThat(CostReports.csvCell("=x")).isEqualTo("'=x");
    assertThat(CostReports.csvCell("'=x")).isEqualTo("''=x");
    assertThat(CostReports.csvCell("'x")).isEqualTo("''x");
    assertThat(CostReports.csvCell("+1")).isEqualTo("'+1");
    assertThat(CostReports.csvCell("-1")).isEqualTo("'-1");
    assertThat(CostReports.csvCell("@a")).isEqualTo("'@a");
    assertThat(CostReports.csvCell("\tx")).isEqualTo("'\tx");
    assertThat(CostReports.csvCell("\rx")).isEqualTo("\"'\rx\"");
    assertThat(CostReports.csvCell("x'")).isEqualTo("x'");
    assertThat(CostReports.csvCell("'a,b")).isEqualTo("\"''a,b\"");
    assertThat(CostReports.csvCell(null)).isEmpty();
  }
}
