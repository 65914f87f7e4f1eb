package dev.quota.internal;

import dev.quota.Budget;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.YearMonth;
import java.time.ZonedDateTime;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;

/**
 * The calendar periods of a budget. A day starts at the reset time in the budget's zone; a month
 * starts on the reset day (clamped to the month's last day) at the reset time. Where a reset time
 * falls in a DST gap, the period starts at the first instant after the gap, as the clocks jump
 * over it; in an overlap, at the earlier instant.
 */
public final class BudgetCalendar {
  private BudgetCalendar() {}

  /** A half-open period {@code [startMs, endMs)} named {@code daily} or {@code monthly}. */
  public record Period(String name, long startMs, long endMs) {
    public boolean contains(long ms) {
      return ms >= startMs && ms < endMs;
    }
  }

  public static Period day(Budget budget, Instant now) {
    LocalDate date = now.atZone(budget.zone()).toLocalDate();
    // The local date is only a first guess: a day's reset may fall before it began (a reset late in
    // the day) or a fall-back across midnight may take the clocks back to the day before, after
    // the next day's reset (St. John's in 2010). The period is the one whose reset last passed.
    while (dayStart(budget, date).isAfter(now)) {
      date = date.minusDays(1);
    }
    while (!dayStart(budget, date.plusDays(1)).isAfter(now)) {
      date = date.plusDays(1);
    }
    return new Period("daily", dayStart(budget, date).toEpochMilli(), dayStart(budget, date.plusDays(1)).toEpochMilli());
  }

  public static Period month(Budget budget, Instant now) {
    YearMonth month = YearMonth.from(now.atZone(budget.zone()));
    while (monthStart(budget, month).isAfter(now)) {
      month = month.minusMonths(1);
    }
    while (!monthStart(budget, month.plusMonths(1)).isAfter(now)) {
      month = month.plusMonths(1);
    }
    return new Period("monthly", monthStart(budget, month).toEpochMilli(), monthStart(budget, month.plusMonths(1)).toEpochMilli());
  }

  private static Instant dayStart(Budget budget, LocalDate date) {
    LocalDateTime reset = date.atTime(budget.resetTime());
    ZoneRules rules = budget.zone().getRules();
    ZoneOffsetTransition transition = rules.getTransition(reset);
    if (transition != null && transition.isGap()) {
      // ZonedDateTime.of would move the time forward by the gap's length (02:30 to 03:30), so the
      // new day would start half an hour after the clocks had already passed its reset time.
      return transition.getInstant();
    }
    // Not in a gap: ZonedDateTime.of takes the earlier offset of an overlap.
    return ZonedDateTime.of(reset, budget.zone()).toInstant();
  }

  private static Instant monthStart(Budget budget, YearMonth month) {
    int day = Math.min(budget.resetDay(), month.lengthOfMonth());
    return dayStart(budget, month.atDay(day));
  }
}
