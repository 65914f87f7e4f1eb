package dev.quota.jdbc;

import static dev.quota.jdbc.Entries.forUser;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.Budget;
import dev.quota.Money;
import dev.quota.MoneyTotal;
import dev.quota.ValidationException;
import dev.quota.internal.BudgetCalendar;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A budget a store lost is rebuilt from raw ledger rows alone, so they must be kept for at least a
 * whole monthly budget period. The builder took any raw retention from one day, which would
 * silently under-count monthly budgets rebuilt late in the month; it now refuses one shorter than
 * {@link JdbcUsageLedger#MIN_RAW_RETENTION}, and that minimum covers the longest monthly period.
 */
class RawRetentionCoversAMonthTest {
  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"P1D", "P30D", "P31D", "PT767H59M59.999999999S"})
  void aRawRetentionShorterThan32DaysIsRefused(String retention) {
    try (Database db = Database.embedded(dir)) {
      JdbcUsageLedger.Builder builder = JdbcUsageLedger.builder(db);
      assertThatThrownBy(() -> builder.rawRetention(Duration.parse(retention)))
          .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("rawRetention"))
          .hasMessageContaining("must be at least 32 days, so that a monthly budget can be rebuilt from raw rows");
    }
  }

  @Test
  void thirtyTwoDaysOrMoreAreAccepted() {
    assertThat(JdbcUsageLedger.MIN_RAW_RETENTION).isEqualTo(Duration.ofDays(32));
    try (Database db = Database.embedded(dir)) {
      JdbcUsageLedger.Builder builder = JdbcUsageLedger.builder(db);
      builder.rawRetention(Duration.ofDays(32));
      builder.rawRetention(Duration.ofDays(90));
      assertThatThrownBy(() -> builder.rawRetention(null)).isInstanceOf(ValidationException.class);
    }
  }

  /**
   * The reason for the minimum, checked against this runtime's time-zone rules: no monthly period,
   * in any zone, on any reset day and time, lasts longer than 31 days and the two hours by which
   * Antarctica/Troll's clocks go back in October, which leaves most of the margin day for clock
   * skew between the process that prunes and the one that dates budget periods.
   */
  @Test
  void noMonthlyPeriodOutlastsTheMinimumLessItsMargin() {
    Duration longest = Duration.ZERO;
    String where = "";
    for (String id : ZoneId.getAvailableZoneIds()) {
      ZoneId zone = ZoneId.of(id);
      for (int resetDay : new int[] {1, 15, 29, 30, 31}) {
        for (LocalTime resetTime : new LocalTime[] {LocalTime.MIDNIGHT, LocalTime.of(2, 30), LocalTime.of(23, 59, 59)}) {
          Budget budget = new Budget("USD", null, Money.of("1"), null, zone, resetTime, resetDay);
          for (YearMonth m = YearMonth.of(2025, 1); m.isBefore(YearMonth.of(2028, 1)); m = m.plusMonths(1)) {
            BudgetCalendar.Period p = BudgetCalendar.month(budget, m.atDay(16).atStartOfDay(ZoneOffset.UTC).toInstant());
            Duration length = Duration.ofMillis(p.endMs() - p.startMs());
            if (length.compareTo(longest) > 0) {
              longest = length;
              where = id + " " + m + " day " + resetDay + " at " + resetTime;
            }
          }
        }
      }
    }
    assertThat(longest).as(where).isLessThanOrEqualTo(Duration.ofDays(31).plusHours(2));
    assertThat(JdbcUsageLedger.MIN_RAW_RETENTION.minus(longest)).as(where).isGreaterThanOrEqualTo(Duration.ofHours(22));
  }

  /**
   * A month the clocks go back in, rebuilt in its last millisecond after a prune at the minimum
   * retention, still counts the spend of its first minutes. Europe/London's October 2025, reset at
   * 00:30, runs from 2025-09-30T23:30Z to 2025-11-01T00:30Z, 31 days and an hour: a retention of 31
   * days would have rolled up 30 September (UTC) by then, and its rows with it.
   */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void aMonthTheClocksGoBackInIsRebuiltWholeAfterAPruneAtTheMinimum(Backend backend) {
    Budget london = new Budget("USD", null, Money.of("100"), null, ZoneId.of("Europe/London"), LocalTime.of(0, 30), 1);
    BudgetCalendar.Period october = BudgetCalendar.month(london, Instant.parse("2025-10-15T00:00:00Z"));
    Instant start = Instant.ofEpochMilli(october.startMs());
    Instant end = Instant.ofEpochMilli(october.endMs());
    Instant last = end.minusMillis(1);
    assertThat(start).isEqualTo(Instant.parse("2025-09-30T23:30:00Z"));
    assertThat(end).isEqualTo(Instant.parse("2025-11-01T00:30:00Z"));
    assertThat(RollupWatermark.day(last.minus(Duration.ofDays(31)))).isAfter(RollupWatermark.day(start));
    try (var t = backend.open(dir);
        var ledger = JdbcUsageLedger.builder(t.db).spoolDirectory(dir.resolve("spool")).rawRetention(JdbcUsageLedger.MIN_RAW_RETENTION)
            .build()) {
      ledger.append(forUser("before", start.minusMillis(1), "ann", "7"));
      ledger.append(forUser("first", start, "ann", "1.25"));
      ledger.append(forUser("last", last, "ann", "0.75"));

      ledger.prune(last);

      assertThat(ledger.spent(Map.of("user", "ann"), start, end)).isEqualTo(MoneyTotal.of("2.00"));
    }
  }
}
