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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same ledger rows written to H2 and to PostgreSQL: every cost report (per day and month, by
 * each scope and none, filtered or not, over ranges that start and end anywhere), every budget's
 * spend and every list of entries is what the rows themselves add up to, computed here without the
 * database, and both engines give the very same answer. The rows sit at and around UTC midnights of
 * a leap February and a month's end, in two currencies and none, with amounts up to the largest one
 * amount may be, commits reserved a day or two before, identifiers holding the characters a
 * {@code LIKE} pattern treats specially, some rows rolled up and pruned and some arriving late.
 */
class LedgerAgreesWithItsRowsTest {
  /** 32 days of raw rows before this: days before 2028-02-22 are rolled up. */
  private static final Instant PRUNED_AT = Instant.parse("2028-03-25T12:00:00Z");
  private static final LocalDate ROLLED_UP_BEFORE = LocalDate.parse("2028-02-22");
  private static final LocalDate FIRST = LocalDate.parse("2028-01-28");
  private static final LocalDate LAST = LocalDate.parse("2028-03-23");
  private static final List<String> USERS = List.of("alice", "bob", "c%_\\d", "é✓");
  private static final List<String> CURRENCIES = new ArrayList<>(java.util.Arrays.asList("USD", "EUR", null));
  private static final Map<GroupBy, String> SCOPE = Map.of(
      GroupBy.USER, "user", GroupBy.TEAM, "team", GroupBy.PROJECT, "project", GroupBy.TOOL, "tool", GroupBy.PROVIDER, "provider");

  @TempDir Path dir;

  /** A row as the database keeps it: times to the microsecond. */
  private record Row(UsageEntry entry, boolean raw) {
    Instant at() {
      return entry.at().truncatedTo(ChronoUnit.MICROS);
    }

    Instant chargedAt() {
      return entry.chargedAt().truncatedTo(ChronoUnit.MICROS);
    }

    LocalDate day() {
      return LocalDate.ofInstant(at(), ZoneOffset.UTC);
    }

    BigDecimal amount() {
      return entry.amount().toBigDecimal();
    }
  }

  @Test
  void everyReportSpendAndListingIsWhatTheRowsAddUpToOnBothEngines() {
    SplittableRandom random = new SplittableRandom(20280229);
    List<UsageEntry> early = new ArrayList<>();
    for (LocalDate d = FIRST; !d.isAfter(LAST); d = d.plusDays(1)) {
      Instant midnight = d.atStartOfDay(ZoneOffset.UTC).toInstant();
      for (long nanos : new long[] {-1_001, -1_000, -1, 0, 999, 1_000, 7_200_000_000_000L, 86_399_999_999_999L}) {
        if (random.nextInt(4) > 0) {
          early.add(entry(random, "r" + early.size(), midnight.plusNanos(nanos)));
        }
      }
    }
    List<UsageEntry> late = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      LocalDate d = FIRST.plusDays(random.nextInt((int) ChronoUnit.DAYS.between(FIRST, ROLLED_UP_BEFORE)));
      late.add(entry(random, "late" + i, d.atStartOfDay(ZoneOffset.UTC).toInstant().plusNanos(random.nextLong(86_400_000_000_000L))));
    }
    List<Row> rows = new ArrayList<>();
    for (UsageEntry e : early) {
      rows.add(new Row(e, !LocalDate.ofInstant(e.at().truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC).isBefore(ROLLED_UP_BEFORE)));
    }
    late.forEach(e -> rows.add(new Row(e, true)));

    try (Backend.TestDb h2 = Backend.H2.open(dir.resolve("h2"));
        Backend.TestDb pg = Backend.POSTGRES.open(dir.resolve("pg"));
        JdbcUsageLedger h2Ledger = JdbcUsageLedger.builder(h2.db).spoolDirectory(dir.resolve("h2-spool")).build();
        JdbcUsageLedger pgLedger = JdbcUsageLedger.builder(pg.db).spoolDirectory(dir.resolve("pg-spool")).build()) {
      for (JdbcUsageLedger ledger : List.of(h2Ledger, pgLedger)) {
        early.forEach(ledger::append);
        early.subList(0, 20).forEach(ledger::append); // repeats add nothing
        assertThat(ledger.prune(PRUNED_AT).rolledUpBefore()).isEqualTo(ROLLED_UP_BEFORE);
        late.forEach(ledger::append);
        late.forEach(ledger::append);
      }
      CostReports h2Reports = new CostReports(h2.db);
      CostReports pgReports = new CostReports(pg.db);

      List<Map<String, String>> filters = List.of(
          Map.of(), Map.of("user", "alice"), Map.of("user", "c%_\\d"), Map.of("user", "é✓", "tool", "web_search"),
          Map.of("team", "core"), Map.of("provider", "openai", "project", "apollo"));
      List<LocalDate[]> ranges = new ArrayList<>();
      ranges.add(new LocalDate[] {LocalDate.parse("2028-01-01"), LocalDate.parse("2028-04-01")});
      ranges.add(new LocalDate[] {LocalDate.parse("2028-02-29"), LocalDate.parse("2028-03-01")});
      ranges.add(new LocalDate[] {ROLLED_UP_BEFORE.minusDays(1), ROLLED_UP_BEFORE.plusDays(1)});
      for (int i = 0; i < 6; i++) {
        LocalDate from = FIRST.plusDays(random.nextInt(50));
        ranges.add(new LocalDate[] {from, from.plusDays(1 + random.nextInt(20))});
      }
      int compared = 0;
      for (LocalDate[] range : ranges) {
        for (Period period : Period.values()) {
          for (GroupBy groupBy : GroupBy.values()) {
            for (Map<String, String> filter : filters) {
              List<CostRow> onH2 = h2Reports.report(range[0], range[1], period, groupBy, filter);
              List<CostRow> onPg = pgReports.report(range[0], range[1], period, groupBy, filter);
              String what = period + " by " + groupBy + " where " + filter + " in [" + range[0] + ", " + range[1] + ")";
              assertThat(onPg).as("PostgreSQL and H2: " + what).isEqualTo(onH2);
              assertThat(sums(onH2)).as(what).isEqualTo(expectedReport(rows, range[0], range[1], period, groupBy, filter));
              compared++;
            }
          }
        }
      }
      assertThat(compared).isEqualTo(ranges.size() * 2 * GroupBy.values().length * filters.size());

      List<Map<String, String>> budgets = List.of(
          Map.of("user", "alice"), Map.of("user", "c%_\\d"), Map.of("user", "é✓", "tool", "web_search"), Map.of("team", "core"),
          Map.of("model", "m_1"), Map.of("model", "m%1", "user", "bob"));
      for (int i = 0; i < 40; i++) {
        Instant from = ROLLED_UP_BEFORE.atStartOfDay(ZoneOffset.UTC).toInstant()
            .plusNanos(random.nextLong(ChronoUnit.NANOS.between(ROLLED_UP_BEFORE.atStartOfDay(), LAST.atStartOfDay())));
        if (random.nextBoolean()) {
          from = rows.get(random.nextInt(rows.size())).at().plusNanos(random.nextInt(3) * 1000 - 1000);
        }
        Instant to = from.plus(Duration.ofHours(random.nextInt(1, 24 * 31)));
        for (Map<String, String> subjects : budgets) {
          MoneyTotal onH2 = h2Ledger.spent(subjects, from, to);
          String what = subjects + " in [" + from + ", " + to + ")";
          assertThat(pgLedger.spent(subjects, from, to)).as("PostgreSQL and H2: spent by " + what).isEqualTo(onH2);
          assertThat(onH2.toBigDecimal()).as("spent by " + what).isEqualByComparingTo(expectedSpent(rows, subjects, from, to));
          List<UsageEntry> listed = h2Ledger.entries(subjects, from, to);
          assertThat(pgLedger.entries(subjects, from, to)).as("PostgreSQL and H2: entries of " + what).isEqualTo(listed);
          assertThat(listed).extracting(UsageEntry::id).as("entries of " + what)
              .isEqualTo(expectedEntries(rows, subjects, from, to));
        }
      }
    }
  }

  private static UsageEntry entry(SplittableRandom random, String id, Instant at) {
    Map<String, String> subjects = new HashMap<>();
    subjects.put("user", USERS.get(random.nextInt(USERS.size())));
    if (random.nextBoolean()) {
      subjects.put("team", random.nextBoolean() ? "core" : "search");
    }
    if (random.nextInt(3) == 0) {
      subjects.put("project", "apollo");
    }
    if (random.nextBoolean()) {
      subjects.put("tool", random.nextBoolean() ? "web_search" : "image_gen");
    }
    if (random.nextBoolean()) {
      subjects.put("provider", random.nextBoolean() ? "openai" : "anthropic");
    }
    if (random.nextInt(3) == 0) {
      subjects.put("model", random.nextBoolean() ? "m_1" : "m%1");
    }
    Money amount = switch (random.nextInt(6)) {
      case 0 -> Money.MAX;
      case 1 -> Money.ofNanos(1);
      default -> Money.ofNanos(random.nextLong(1, 50_000_000_000L));
    };
    // A commit reserved up to two days before, often across a UTC midnight; recorded usage has no reservation.
    Instant reservedAt = random.nextBoolean() ? at.minusNanos(random.nextLong(2 * 86_400_000_000_000L)) : null;
    return new UsageEntry(id, at, subjects, amount, Map.of("requests", 1L), reservedAt == null ? null : "res-" + id,
        random.nextBoolean() ? "key-" + id : null, Money.ZERO, reservedAt, CURRENCIES.get(random.nextInt(CURRENCIES.size())));
  }

  private record Group(String period, String key, String currency) {}

  private record Sum(BigDecimal amount, long entries) {}

  private static Map<Group, Sum> sums(List<CostRow> rows) {
    Map<Group, Sum> out = new LinkedHashMap<>();
    for (CostRow r : rows) {
      assertThat(out.put(new Group(r.period(), r.key(), r.currency()), new Sum(r.amount().toBigDecimal().stripTrailingZeros(), r.entries())))
          .as("one row per period, key and currency").isNull();
    }
    return out;
  }

  /** Rows of UTC days in range, each once, by its stored day; the key and currency null when the row names none. */
  private static Map<Group, Sum> expectedReport(
      List<Row> rows, LocalDate from, LocalDate to, Period period, GroupBy groupBy, Map<String, String> filter) {
    Map<Group, Sum> out = new HashMap<>();
    for (Row r : rows) {
      LocalDate day = r.day();
      if (day.isBefore(from) || !day.isBefore(to) || !names(r.entry, filter)) {
        continue;
      }
      String label = period == Period.DAY ? day.toString() : YearMonth.from(day).toString();
      String key = groupBy == GroupBy.NONE ? null : r.entry.subjects().get(SCOPE.get(groupBy));
      out.merge(new Group(label, key, r.entry.currency()), new Sum(r.amount(), 1),
          (a, b) -> new Sum(a.amount().add(b.amount()), a.entries() + b.entries()));
    }
    out.replaceAll((k, v) -> new Sum(v.amount().stripTrailingZeros(), v.entries()));
    return out;
  }

  private static boolean names(UsageEntry e, Map<String, String> subjects) {
    return subjects.entrySet().stream().allMatch(s -> s.getValue().equals(e.subjects().get(s.getKey())));
  }

  /** Raw rows charged in {@code [from, to)}: a commit from its reservation's time, as budgets count it. */
  private static BigDecimal expectedSpent(List<Row> rows, Map<String, String> subjects, Instant from, Instant to) {
    Instant lo = from.truncatedTo(ChronoUnit.MICROS);
    Instant hi = to.truncatedTo(ChronoUnit.MICROS);
    Predicate<Row> charged = r -> !r.chargedAt().isBefore(lo) && r.chargedAt().isBefore(hi) && !r.at().isBefore(lo);
    return rows.stream().filter(r -> r.raw && names(r.entry, subjects)).filter(charged)
        .map(Row::amount).reduce(BigDecimal.ZERO, BigDecimal::add);
  }

  /** Raw rows written in {@code [from, to)}, by time, then id. */
  private static List<String> expectedEntries(List<Row> rows, Map<String, String> subjects, Instant from, Instant to) {
    Instant lo = from.truncatedTo(ChronoUnit.MICROS);
    Instant hi = to.truncatedTo(ChronoUnit.MICROS);
    return rows.stream()
        .filter(r -> r.raw && names(r.entry, subjects) && !r.at().isBefore(lo) && r.at().isBefore(hi))
        .sorted(java.util.Comparator.comparing(Row::at).thenComparing(r -> r.entry.id()))
        .map(r -> r.entry.id())
        .toList();
  }
}
