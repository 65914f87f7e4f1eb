package dev.quota.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Budget;
import dev.quota.Money;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Budget periods against an oracle that knows nothing of how {@link BudgetCalendar} works: it lists
 * every reset instant near a moment (each local day's reset time, or each month's reset day clamped
 * to its length) and picks the latest one at or before it and the first one after. A reset time that
 * does not exist (a DST gap) happens as the clocks jump over it; one that exists twice (an overlap)
 * happens the first time.
 */
class BudgetCalendarPropertyTest {
  private static final List<String> ZONES = List.of(
      "UTC", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "America/Sao_Paulo", "Asia/Beirut",
      "America/Havana", "Pacific/Apia", "Asia/Kolkata", "America/St_Johns", "Pacific/Chatham");
  private static final List<String> RESET_TIMES = List.of(
      "00:00", "00:30", "01:30", "02:00", "02:15", "02:30", "02:45", "03:00", "06:00", "23:00", "23:30", "23:59:59");

  @Test
  void periodsMatchTheOracleAroundEveryTransition() {
    SplittableRandom random = new SplittableRandom(20261130);
    for (String z : ZONES) {
      ZoneId zone = ZoneId.of(z);
      for (String reset : RESET_TIMES) {
        for (int resetDay : new int[] {1, 29, 30, 31}) {
          Budget b = new Budget("USD", Money.of("1"), Money.of("1"), null, zone, LocalTime.parse(reset), resetDay);
          for (Instant t : moments(zone, b, random)) {
            check(b, t);
          }
        }
      }
    }
  }

  /** Moments at and around each reset and each transition from 2009 to 2030, plus random ones. */
  private static List<Instant> moments(ZoneId zone, Budget b, SplittableRandom random) {
    List<Instant> out = new java.util.ArrayList<>();
    ZoneRules rules = zone.getRules();
    Instant t = Instant.parse("2009-01-01T00:00:00Z");
    Instant end = Instant.parse("2031-01-01T00:00:00Z");
    ZoneOffsetTransition tr;
    while ((tr = rules.nextTransition(t)) != null && tr.getInstant().isBefore(end)) {
      LocalDate d = tr.getDateTimeBefore().toLocalDate();
      for (int i = -1; i <= 1; i++) {
        Instant reset = oracleDayStart(b, d.plusDays(i));
        for (long delta : new long[] {-1, 0, 1, 60_000, 1_800_000}) {
          out.add(reset.plusMillis(delta));
          out.add(tr.getInstant().plusMillis(delta));
        }
      }
      Instant m = oracleMonthStart(b, YearMonth.from(d));
      out.add(m.minusMillis(1));
      out.add(m);
      t = tr.getInstant();
    }
    for (int i = 0; i < 100; i++) {
      out.add(Instant.ofEpochMilli(random.nextLong(Instant.parse("2009-01-01T00:00:00Z").toEpochMilli(), end.toEpochMilli())));
    }
    return out;
  }

  private static void check(Budget b, Instant t) {
    LocalDate local = t.atZone(b.zone()).toLocalDate();
    Instant dayStart = null;
    Instant dayEnd = null;
    for (int i = -3; i <= 3; i++) {
      Instant r = oracleDayStart(b, local.plusDays(i));
      if (!r.isAfter(t) && (dayStart == null || r.isAfter(dayStart))) {
        dayStart = r;
      }
      if (r.isAfter(t) && (dayEnd == null || r.isBefore(dayEnd))) {
        dayEnd = r;
      }
    }
    BudgetCalendar.Period day = BudgetCalendar.day(b, t);
    String what = b.zone() + " " + b.resetTime() + " day " + b.resetDay() + " at " + t;
    assertThat(Instant.ofEpochMilli(day.startMs())).as("day start, " + what).isEqualTo(dayStart);
    assertThat(Instant.ofEpochMilli(day.endMs())).as("day end, " + what).isEqualTo(dayEnd);

    YearMonth ym = YearMonth.from(local);
    Instant monthStart = null;
    Instant monthEnd = null;
    for (int i = -2; i <= 2; i++) {
      Instant r = oracleMonthStart(b, ym.plusMonths(i));
      if (!r.isAfter(t) && (monthStart == null || r.isAfter(monthStart))) {
        monthStart = r;
      }
      if (r.isAfter(t) && (monthEnd == null || r.isBefore(monthEnd))) {
        monthEnd = r;
      }
    }
    BudgetCalendar.Period month = BudgetCalendar.month(b, t);
    assertThat(Instant.ofEpochMilli(month.startMs())).as("month start, " + what).isEqualTo(monthStart);
    assertThat(Instant.ofEpochMilli(month.endMs())).as("month end, " + what).isEqualTo(monthEnd);
    assertThat(month.contains(t.toEpochMilli())).isTrue();
    assertThat(day.contains(t.toEpochMilli())).isTrue();
  }

  private static Instant oracleMonthStart(Budget b, YearMonth m) {
    return oracleDayStart(b, m.atDay(Math.min(b.resetDay(), m.lengthOfMonth())));
  }

  /** When the reset of local day {@code d} happens: a time in a gap as the clocks jump over it. */
  private static Instant oracleDayStart(Budget b, LocalDate d) {
    LocalDateTime local = d.atTime(b.resetTime());
    ZoneRules rules = b.zone().getRules();
    List<java.time.ZoneOffset> offsets = rules.getValidOffsets(local);
    if (offsets.isEmpty()) {
      return rules.getTransition(local).getInstant();
    }
    // In an overlap the earlier offset is the larger one: the first time the clocks show it.
    java.time.ZoneOffset first = offsets.get(0).compareTo(offsets.get(offsets.size() - 1)) < 0
        ? offsets.get(0) : offsets.get(offsets.size() - 1);
    return local.toInstant(first);
  }
}
