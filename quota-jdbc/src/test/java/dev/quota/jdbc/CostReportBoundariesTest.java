package dev.quota.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Money;
import dev.quota.MoneyTotal;
import dev.quota.jdbc.CostReports.GroupBy;
import dev.quota.jdbc.CostReports.Period;
import dev.quota.ledger.UsageEntry;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Cost reports against the raw ledger: spend at and around UTC midnights and month ends, some of it
 * rolled up and pruned, is in exactly one day and one month, and the totals equal its sum.
 */
class CostReportBoundariesTest {
  private static final Instant NOW = Instant.parse("2028-03-20T12:00:00Z");
  @TempDir Path dir;

  private record Spend(Instant at, BigDecimal amount) {}

  private static Database open(Backend backend, Path dir, String schema) {
    return backend == Backend.H2
        ? Database.embedded(dir.resolve("data"))
        : Database.open(Backend.pgUrl(Backend.PG_URL, schema), Backend.PG_USER, null);
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void everyEntryCountsOnceInItsDayAndMonth(Backend backend) {
    String schema = "qa_e_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    SplittableRandom random = new SplittableRandom(7);
    List<Spend> spends = new ArrayList<>();
    // Around each midnight from late January to mid-March of a leap year: before, at and after it,
    // finer than the microseconds the database keeps.
    for (LocalDate d = LocalDate.parse("2028-01-25"); d.isBefore(LocalDate.parse("2028-03-16")); d = d.plusDays(1)) {
      Instant midnight = d.atStartOfDay(ZoneOffset.UTC).toInstant();
      for (long nanos : new long[] {-1_000, -1, -999, 0, 1, 999, 1_000, 3_600_000_000_000L}) {
        spends.add(new Spend(midnight.plusNanos(nanos), BigDecimal.valueOf(random.nextLong(1, 10_000_000_000L), 9)));
      }
    }
    try (Database db = open(backend, dir, schema);
        JdbcUsageLedger ledger = JdbcUsageLedger.builder(db).spoolDirectory(dir.resolve("spool")).build()) {
      for (Spend s : spends) {
        ledger.append(new UsageEntry(
            UUID.randomUUID().toString(), s.at(), Map.of("user", "u" + random.nextInt(3)), Money.of(s.amount().toPlainString()),
            Map.of(), null, null, Money.ZERO));
      }
      // Rolls February 16th and before up and drops their raw rows (32 days of raw rows by default).
      ledger.prune(NOW);
      CostReports reports = new CostReports(db);
      LocalDate from = LocalDate.parse("2028-01-01");
      LocalDate to = LocalDate.parse("2028-04-01");

      TreeMap<String, BigDecimal> byDay = new TreeMap<>();
      TreeMap<String, BigDecimal> byMonth = new TreeMap<>();
      BigDecimal all = BigDecimal.ZERO;
      for (Spend s : spends) {
        // The database keeps microseconds, truncated: a row's day is that of its stored time.
        LocalDate day = LocalDate.ofInstant(s.at().truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC);
        byDay.merge(day.toString(), s.amount(), BigDecimal::add);
        byMonth.merge(YearMonth.from(day).toString(), s.amount(), BigDecimal::add);
        all = all.add(s.amount());
      }
      byDay.replaceAll((k, v) -> v.stripTrailingZeros());
      byMonth.replaceAll((k, v) -> v.stripTrailingZeros());
      assertThat(totals(reports.report(from, to, Period.DAY, GroupBy.NONE, Map.of()))).isEqualTo(byDay);
      assertThat(totals(reports.report(from, to, Period.MONTH, GroupBy.NONE, Map.of()))).isEqualTo(byMonth);
      BigDecimal grouped = reports.report(from, to, Period.DAY, GroupBy.USER, Map.of()).stream()
          .map(r -> r.amount().toBigDecimal()).reduce(BigDecimal.ZERO, BigDecimal::add);
      assertThat(grouped).isEqualByComparingTo(all);

      // Raw rows in real time, over ranges whose ends fall at, just before and just after a spend.
      for (int i = 0; i < 40; i++) {
        Spend a = spends.get(random.nextInt(spends.size()));
        Spend b = spends.get(random.nextInt(spends.size()));
        Instant lo = (a.at().isBefore(b.at()) ? a : b).at().plusNanos(random.nextInt(3) - 1);
        Instant hi = (a.at().isBefore(b.at()) ? b : a).at().plusNanos(random.nextInt(3) - 1).plus(Duration.ofNanos(1000));
        Instant cutoff = LocalDate.parse("2028-02-18").atStartOfDay(ZoneOffset.UTC).toInstant();
        if (lo.isBefore(cutoff)) {
          lo = cutoff;
        }
        if (!hi.isAfter(lo)) {
          continue;
        }
        BigDecimal expected = BigDecimal.ZERO;
        Instant loStored = lo.truncatedTo(ChronoUnit.MICROS);
        Instant hiStored = hi.truncatedTo(ChronoUnit.MICROS);
        for (Spend s : spends) {
          Instant at = s.at().truncatedTo(ChronoUnit.MICROS);
          if (!at.isBefore(loStored) && at.isBefore(hiStored)) {
            expected = expected.add(s.amount());
          }
        }
        List<CostRow> rows = reports.totals(lo, hi, GroupBy.NONE, Map.of());
        BigDecimal got = rows.isEmpty() ? BigDecimal.ZERO : rows.get(0).amount().toBigDecimal();
        assertThat(got).as("totals in [%s, %s)", lo, hi).isEqualByComparingTo(expected);
      }
    } finally {
      if (backend == Backend.POSTGRES) {
        Backend.dropSchema(schema);
      }
    }
  }

  private static TreeMap<String, BigDecimal> totals(List<CostRow> rows) {
    TreeMap<String, BigDecimal> out = new TreeMap<>();
    for (CostRow r : rows) {
      out.merge(r.period(), r.amount().toBigDecimal(), BigDecimal::add);
    }
    out.replaceAll((k, v) -> v.stripTrailingZeros());
    return out;
  }
}
