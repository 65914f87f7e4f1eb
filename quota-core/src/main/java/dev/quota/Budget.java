package dev.quota;

import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.regex.Pattern;

/**
 * Cost budgets in one currency: optional daily and monthly totals and a per-request maximum.
 * Periods follow the calendar of {@code zone}: a day starts at {@code resetTime} (whole seconds), a
 * month on {@code resetDay} at {@code resetTime} (a reset day past a month's end means its last day).
 */
public record Budget(
    String currency,
    Money daily,
    Money monthly,
    Money perRequest,
    ZoneId zone,
    LocalTime resetTime,
    int resetDay) {

  private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");
  /** The rule a budget's currency follows, as {@link #isCurrencyCode} checks it. */
  public static final String CURRENCY_RULE = "must be a three-letter ISO 4217 code such as USD";

  public Budget {
    ValidationException.require(isCurrencyCode(currency), "budget.currency", CURRENCY_RULE);
    ValidationException.require(
        daily != null || monthly != null || perRequest != null,
        "budget",
        "must set at least one of daily, monthly or perRequest");
    ValidationException.require(daily == null || daily.nanos() > 0, "budget.daily", "must be positive");
    ValidationException.require(
        monthly == null || monthly.nanos() > 0, "budget.monthly", "must be positive");
    ValidationException.require(
        perRequest == null || perRequest.nanos() > 0, "budget.perRequest", "must be positive");
    zone = zone == null ? ZoneOffset.UTC : zone;
    resetTime = resetTime == null ? LocalTime.MIDNIGHT : resetTime;
    // Stores keep time in milliseconds: a reset between two of them gave a millisecond whose period
    // the engine and the store could not agree on. Whole seconds are also what a policy's JSON holds.
    ValidationException.require(
        resetTime.getNano() == 0, "budget.resetTime", "must be a time of day in whole seconds, as HH:mm or HH:mm:ss");
    ValidationException.require(
        resetDay >= 1 && resetDay <= 31, "budget.resetDay", "must be between 1 and 31");
  }

  /** Whether {@code code} has the form of a currency code: three capital letters. */
  public static boolean isCurrencyCode(String code) {
    return code != null && CURRENCY.matcher(code).matches();
  }

  /** A budget with midnight-UTC resets on the 1st. Any amount may be null. */
  public static Budget of(String currency, Money daily, Money monthly, Money perRequest) {
    return new Budget(currency, daily, monthly, perRequest, ZoneOffset.UTC, LocalTime.MIDNIGHT, 1);
  }
}
