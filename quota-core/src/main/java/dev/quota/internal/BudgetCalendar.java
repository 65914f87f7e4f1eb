package dev.quota.internal;

import dev.quota.Budget;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZonedDateTime;

/**
 * The calendar periods of a budget. A day starts at the reset time in the budget's zone; a month
 * starts on the reset day (clamped to the month's last day) at the reset time. Where a reset time
 * falls in a DST gap, the period starts at the first instant after the gap; in an overlap, at the
 * earlier instant. Both come straight from {@link ZonedDateTime#of}.
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
    Instant start = dayStart(budget, date);
    if (start.isAfter(now)) {
      date = date.minusDays(1);
      start = dayStart(budget, date);
    }
    return new Period("daily", start.toEpochMilli(), dayStart(budget, date.plusDays(1)).toEpochMilli());
  }

  public static Period month(Budget budget, Instant now) {
    YearMonth month = YearMonth.from(now.atZone(budget.zone()));
    Instant start = monthStart(budget, month);
    if (start.isAfter(now)) {
      month = month.minusMonths(1);
      start = monthStart(budget, month);
    }
    return new Period("monthly", start.toEpochMilli(), monthStart(budget, month.plusMonths(1)).toEpochMilli());
  }

  private static Instant dayStart(Budget budget, LocalDate date) {
    return ZonedDateTime.of(date, budget.resetTime(), budget.zone()).toInstant();
  }

  private static Instant monthStart(Budget budget, YearMonth month) {
    int day = Math.min(budget.resetDay(), month.lengthOfMonth());
    return dayStart(budget, month.atDay(day));
  }
}
