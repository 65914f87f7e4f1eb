package dev.quota;

import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;

/**
 * The calendar period a daily or monthly budget counts its spend over, and the calendar of the
 * budget (its policy's, or that of the override in its place) that sets it: whoever reads the use
 * learns when it began and when, by which clock, it starts again.
 *
 * @param start when the period began: the last reset
 * @param end when the next period begins (the budget's {@link LimitStatus#resetAt})
 * @param resetDay the day of the month a monthly budget resets on (a day past a month's end means its
 *     last day); it does not move a daily budget's periods
 */
public record BudgetPeriod(Instant start, Instant end, ZoneId zone, LocalTime resetTime, int resetDay) {
  static BudgetPeriod of(Budget budget, long startMs, long endMs) {
    return new BudgetPeriod(
        Instant.ofEpochMilli(startMs), Instant.ofEpochMilli(endMs), budget.zone(), budget.resetTime(), budget.resetDay());
  }
}
