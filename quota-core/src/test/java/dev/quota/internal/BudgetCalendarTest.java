package dev.quota.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Budget;
import dev.quota.Money;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class BudgetCalendarTest {
  private static Budget budget(String zone, String reset, int day) {
    return new Budget("USD", Money.of("10"), Money.of("100"), null, ZoneId.of(zone), LocalTime.parse(reset), day);
  }

  private static Instant at(String s) {
    return Instant.parse(s);
  }

  /** The period starts at {@code start} and ends at {@code end}. */
  private static void assertPeriod(BudgetCalendar.Period p, String start, String end) {
    assertThat(Instant.ofEpochMilli(p.startMs())).as("start").isEqualTo(at(start));
    assertThat(Instant.ofEpochMilli(p.endMs())).as("end").isEqualTo(at(end));
  }

  @Test
  void dailyPeriodIsMidnightToMidnightUtcByDefault() {
    Budget b = Budget.of("USD", Money.of("1"), null, null);
    BudgetCalendar.Period p = BudgetCalendar.day(b, at("2026-03-10T15:00:00Z"));
    assertPeriod(p, "2026-03-10T00:00:00Z", "2026-03-11T00:00:00Z");
  }

  @Test
  void newYorkSpringForwardDayLasts23Hours() {
    Budget b = budget("America/New_York", "00:00", 1);
    BudgetCalendar.Period p = BudgetCalendar.day(b, at("2026-03-08T12:00:00Z"));
    assertPeriod(p, "2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z");
  }

  @Test
  void newYorkFallBackDayLasts25Hours() {
    Budget b = budget("America/New_York", "00:00", 1);
    BudgetCalendar.Period p = BudgetCalendar.day(b, at("2026-11-01T12:00:00Z"));
    assertThat(p.endMs() - p.startMs()).isEqualTo(25 * 3600_000L);
  }

  @Test
  void resetTimeInsideTheBerlinSpringGapStartsAfterTheGap() {
    // 2026-03-29 02:30 does not exist in Berlin; the day starts at 03:00 local (01:00 UTC).
    Budget b = budget("Europe/Berlin", "02:30", 1);
    BudgetCalendar.Period p = BudgetCalendar.day(b, at("2026-03-29T12:00:00Z"));
    assertPeriod(p, "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z");
  }

  @Test
  void resetTimeInsideLordHowesHalfHourGapStartsWhenTheClocksJumpOverIt() {
    // 2026-10-04 02:00 jumps to 02:30 on Lord Howe Island: a day reset at 02:15 starts at the jump.
    Budget b = budget("Australia/Lord_Howe", "02:15", 1);
    BudgetCalendar.Period p = BudgetCalendar.day(b, at("2026-10-03T15:40:00Z"));
    assertPeriod(p, "2026-10-03T15:30:00Z", "2026-10-04T15:15:00Z");
  }

  @Test
  void berlinMonthAcrossTheOctoberChange() {
    Budget b = budget("Europe/Berlin", "00:00", 1);
    BudgetCalendar.Period p = BudgetCalendar.month(b, at("2026-10-30T12:00:00Z"));
    assertPeriod(p, "2026-09-30T22:00:00Z", "2026-10-31T23:00:00Z");
  }

  @Test
  void resetDay31MeansTheLastDayOfShorterMonths() {
    Budget b = budget("UTC", "00:00", 31);
    BudgetCalendar.Period feb = BudgetCalendar.month(b, at("2027-03-01T00:00:00Z"));
    assertPeriod(feb, "2027-02-28T00:00:00Z", "2027-03-31T00:00:00Z");
    BudgetCalendar.Period leap = BudgetCalendar.month(b, at("2028-03-15T00:00:00Z"));
    assertThat(Instant.ofEpochMilli(leap.startMs())).isEqualTo(at("2028-02-29T00:00:00Z"));
    BudgetCalendar.Period april = BudgetCalendar.month(b, at("2027-04-30T10:00:00Z"));
    assertPeriod(april, "2027-04-30T00:00:00Z", "2027-05-31T00:00:00Z");
  }

  @Test
  void januaryThirtyFirstRollsIntoFebruary() {
    Budget b = budget("UTC", "00:00", 1);
    BudgetCalendar.Period jan = BudgetCalendar.month(b, at("2027-01-31T23:59:59Z"));
    assertThat(Instant.ofEpochMilli(jan.endMs())).isEqualTo(at("2027-02-01T00:00:00Z"));
    BudgetCalendar.Period feb = BudgetCalendar.month(b, at("2028-02-29T12:00:00Z"));
    assertThat(Instant.ofEpochMilli(feb.endMs())).isEqualTo(at("2028-03-01T00:00:00Z"));
    assertThat(feb.endMs() - feb.startMs()).isEqualTo(29 * 86_400_000L);
  }

  @Test
  void beforeTheResetTimeTheDayStillBelongsToYesterday() {
    Budget b = budget("UTC", "06:00", 1);
    BudgetCalendar.Period p = BudgetCalendar.day(b, at("2026-05-02T05:59:59Z"));
    assertThat(Instant.ofEpochMilli(p.startMs())).isEqualTo(at("2026-05-01T06:00:00Z"));
    BudgetCalendar.Period m = BudgetCalendar.month(b, at("2026-05-01T05:00:00Z"));
    assertThat(Instant.ofEpochMilli(m.startMs())).isEqualTo(at("2026-04-01T06:00:00Z"));
  }

  @Test
  void aFallBackAcrossMidnightDoesNotTakeThePeriodBackToTheDayBefore() {
    // St. John's fell back at 00:01 on 2010-11-07, to 23:01 on the 6th: the day of the 7th had
    // begun at its midnight (02:30 UTC), and the clocks reading the 6th again do not end it.
    Budget b = budget("America/St_Johns", "00:00", 7);
    BudgetCalendar.Period p = BudgetCalendar.day(b, at("2010-11-07T03:00:00Z"));
    assertPeriod(p, "2010-11-07T02:30:00Z", "2010-11-08T03:30:00Z");
    BudgetCalendar.Period m = BudgetCalendar.month(b, at("2010-11-07T03:00:00Z"));
    assertPeriod(m, "2010-11-07T02:30:00Z", "2010-12-07T03:30:00Z");
  }
}
