package dev.quota.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Money;
import dev.quota.MoneyTotal;
import dev.quota.jdbc.CostReports.GroupBy;
import dev.quota.jdbc.CostReports.Period;
import dev.quota.ledger.UsageEntry;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A ledger row keeps its currency, and reports total each currency apart: the euros and the dollars
 * of one user on one day are two rows, and spend in no currency a third, in raw rows and in the
 * rollups that replace them alike. Nothing adds an amount of one currency to another.
 */
class CostReportCurrenciesTest {
  private static final Instant NOW = Instant.parse("2025-03-31T09:00:00Z");
  private static final LocalDate FROM = LocalDate.parse("2025-02-01");
  private static final LocalDate TO = LocalDate.parse("2025-04-01");
  @TempDir Path dir;

  private static UsageEntry spend(String id, String at, String user, String amount, String currency) {
    return new UsageEntry(id, Instant.parse(at), Map.of("user", user, "tool", "web_search"), Money.of(amount),
        Map.of("requests", 1L), null, null, Money.ZERO, null, currency);
  }

  private static void seed(JdbcUsageLedger ledger) {
    ledger.append(spend("e1", "2025-02-10T08:00:00Z", "alice", "1.10", "EUR"));
    ledger.append(spend("e2", "2025-02-10T09:00:00Z", "alice", "2.00", "USD"));
    ledger.append(spend("e3", "2025-02-10T10:00:00Z", "alice", "0.50", null));
    ledger.append(spend("e4", "2025-02-10T11:00:00Z", "alice", "0.40", "EUR"));
    ledger.append(spend("e5", "2025-03-30T08:00:00Z", "bob", "3.00", "EUR"));
  }

  private static List<CostRow> byUser(CostReports reports) {
    return reports.report(FROM, TO, Period.MONTH, GroupBy.USER, Map.of());
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void eachCurrencyIsTotalledApartInRawRowsAndRollups(Backend backend) {
    try (var t = backend.open(dir);
        var ledger = JdbcUsageLedger.builder(t.db).spoolDirectory(dir.resolve("spool")).build()) {
      seed(ledger);
      var reports = new CostReports(t.db);
      List<CostRow> expected = List.of(
          new CostRow("2025-02", "alice", "EUR", MoneyTotal.of("1.50"), 2),
          new CostRow("2025-02", "alice", "USD", MoneyTotal.of("2.00"), 1),
          new CostRow("2025-02", "alice", null, MoneyTotal.of("0.50"), 1),
          new CostRow("2025-03", "bob", "EUR", MoneyTotal.of("3.00"), 1));
      assertThat(byUser(reports)).isEqualTo(expected);
      assertThat(ledger.entries(Map.of("user", "alice"), Instant.EPOCH, NOW))
          .extracting(UsageEntry::currency).containsExactly("EUR", "USD", null, "EUR");

      // February's spend is rolled up: one rollup row per currency, and the same report.
      ledger.prune(NOW);
      assertThat(t.queryLong("SELECT COUNT(*) FROM usage_daily")).isEqualTo(3);
      assertThat(byUser(reports)).isEqualTo(expected);

      // Late rows of the rolled-up day join the rollup of their own currency, or start one.
      ledger.append(spend("late-usd", "2025-02-10T12:00:00Z", "alice", "0.25", "USD"));
      ledger.append(spend("late-gbp", "2025-02-10T13:00:00Z", "alice", "0.75", "GBP"));
      assertThat(reports.report(FROM, TO, Period.DAY, GroupBy.NONE, Map.of("user", "alice"))).containsExactly(
          new CostRow("2025-02-10", null, "EUR", MoneyTotal.of("1.50"), 2),
          new CostRow("2025-02-10", null, "GBP", MoneyTotal.of("0.75"), 1),
          new CostRow("2025-02-10", null, "USD", MoneyTotal.of("2.25"), 2),
          new CostRow("2025-02-10", null, null, MoneyTotal.of("0.50"), 1));
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void realTimeTotalsAreTotalledPerCurrency(Backend backend) {
    try (var t = backend.open(dir);
        var ledger = JdbcUsageLedger.builder(t.db).spoolDirectory(dir.resolve("spool")).build()) {
      seed(ledger);
      var reports = new CostReports(t.db);
      String period = "2025-02-01T00:00:00Z/2025-03-31T09:00:00Z";
      assertThat(reports.totals(Instant.parse("2025-02-01T00:00:00Z"), NOW, GroupBy.NONE, Map.of())).containsExactly(
          new CostRow(period, null, "EUR", MoneyTotal.of("4.50"), 3),
          new CostRow(period, null, "USD", MoneyTotal.of("2.00"), 1),
          new CostRow(period, null, null, MoneyTotal.of("0.50"), 1));
      assertThat(reports.totals(Instant.parse("2025-02-01T00:00:00Z"), NOW, GroupBy.USER, Map.of()))
          .extracting(CostRow::key, CostRow::currency)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple("alice", "EUR"),
              org.assertj.core.groups.Tuple.tuple("alice", "USD"),
              org.assertj.core.groups.Tuple.tuple("alice", null),
              org.assertj.core.groups.Tuple.tuple("bob", "EUR"));
    }
  }
}
