package dev.quota.server.http;

import io.javalin.http.Context;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;

/** Typed query parameters whose errors name the parameter. */
public final class Query {
  /**
   * Dates and instants must fall in years 1 to 9999. The parsers take years up to a billion, which
   * no database column holds and where converting an instant to a date already fails. These are
   * the first and the last day the API takes or answers.
   */
  public static final LocalDate FIRST_DAY = LocalDate.of(1, 1, 1);
  public static final LocalDate LAST_DAY = LocalDate.of(9999, 12, 31);
  private static final Instant FIRST = FIRST_DAY.atStartOfDay(ZoneOffset.UTC).toInstant();
  private static final Instant AFTER_LAST = LAST_DAY.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
  public static final String MOMENT_RULE =
      "must be an ISO-8601 instant (2030-01-01T00:00:00Z) or date (2030-01-01) from 0001-01-01 to 9999-12-31";

  private Query() {}

  public static String string(Context ctx, String name, int maxLength) {
    String v = ctx.queryParam(name);
    if (v == null || v.isEmpty()) {
      return null;
    }
    if (v.codePointCount(0, v.length()) > maxLength) {
      throw ApiError.badInput(name, "must be at most " + maxLength + " characters");
    }
    return v;
  }

  public static int integer(Context ctx, String name, int dflt, int min, int max) {
    String v = ctx.queryParam(name);
    if (v == null || v.isEmpty()) {
      return dflt;
    }
    // ASCII digits only: parseInt also takes a sign and digits of other scripts (limit=٥ read as 5).
    if (v.length() <= 9 && v.chars().allMatch(c -> c >= '0' && c <= '9')) {
      int n = Integer.parseInt(v);
      if (n >= min && n <= max) {
        return n;
      }
    }
    throw ApiError.badInput(name, "must be a whole number between " + min + " and " + max);
  }

  /** An instant, or a date read as its start in UTC; refused outside years 1 to 9999. */
  public static Instant instant(Context ctx, String name) {
    String v = string(ctx, name, 64);
    if (v == null) {
      return null;
    }
    Instant t = moment(v);
    if (t == null) {
      throw ApiError.badInput(name, MOMENT_RULE + plusHint(v));
    }
    return t;
  }

  /**
   * How to send {@code v}, if it is a moment but for a space where its offset's {@code +} was: a
   * {@code +} left unencoded in a query string arrives as a space, so {@code
   * 2030-01-15T12:00:00+05:30} reads with a space before {@code 05:30}, and the rule alone would
   * leave that a puzzle. Empty otherwise.
   */
  private static String plusHint(String v) {
    String meant = v.replace(' ', '+');
    if (meant.equals(v) || moment(meant) == null) {
      return "";
    }
    return ": a + in a query string reads as a space, so send " + meant + " as " + meant.replace("+", "%2B");
  }

  /**
   * {@code v} read as {@link #instant} reads a parameter, or null if that refuses it: the command
   * line checks its options by this, so that a mistake names the option, not the parameter.
   */
  public static Instant moment(String v) {
    Instant t;
    try {
      t = Instant.parse(v);
    } catch (DateTimeParseException e) {
      LocalDate d = plainDate(v);
      t = d == null ? null : d.atStartOfDay(ZoneOffset.UTC).toInstant();
    }
    return t == null || t.isBefore(FIRST) || !t.isBefore(AFTER_LAST) ? null : t;
  }

  /**
   * The parameter as a plain date ({@code 2030-01-31}); null when it is absent or not a plain date
   * (it may still be an instant), refused when it is a date outside years 1 to 9999.
   */
  public static LocalDate date(Context ctx, String name) {
    String v = string(ctx, name, 64);
    LocalDate d = v == null ? null : plainDate(v);
    if (d != null && (d.isBefore(FIRST_DAY) || d.isAfter(LAST_DAY))) {
      throw ApiError.badInput(name, MOMENT_RULE);
    }
    return d;
  }

  private static LocalDate plainDate(String v) {
    try {
      return LocalDate.parse(v);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** {@code true} or {@code false}; absent gives {@code dflt}. */
  public static boolean bool(Context ctx, String name, boolean dflt) {
    String v = ctx.queryParam(name);
    if (v == null || v.isEmpty()) {
      return dflt;
    }
    if (v.equals("true") || v.equals("false")) {
      return v.equals("true");
    }
    throw ApiError.badInput(name, "must be true or false");
  }

  /** A value from a fixed set; any other, however long, is refused listing the set. */
  public static String oneOf(Context ctx, String name, String dflt, List<String> allowed) {
    String v = ctx.queryParam(name);
    if (v == null || v.isEmpty()) {
      return dflt;
    }
    if (!allowed.contains(v)) {
      throw ApiError.badInput(name, "must be one of " + String.join(", ", allowed));
    }
    return v;
  }
}
