package dev.quota;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * An exact, non-floating amount of money with nine fractional digits, held as a count of
 * nano-units in a {@code long}.
 *
 * <p>Range: every stored amount lies in {@code [-MAX, MAX]} where {@code MAX} is
 * 9,007,199.254740991 units (2<sup>53</sup>&minus;1 nano-units). That bound is the largest integer
 * a Lua number (an IEEE double) holds exactly, so the in-memory and Redis stores agree to the last
 * nano-unit. Arithmetic that would leave the range throws; nothing wraps or rounds.
 *
 * <p>The bound is on one amount (a cost, a limit), not on what amounts add up to: totals over many
 * entries are {@link MoneyTotal}s, which are unbounded and written in the same text.
 */
public final class Money implements Comparable<Money> {
  /** Fractional digits carried exactly. */
  public static final int SCALE = 9;
  /** Largest representable amount in nano-units: 2^53 - 1. */
  public static final long MAX_NANOS = (1L << 53) - 1;

  public static final Money ZERO = new Money(0);
  public static final Money MAX = new Money(MAX_NANOS);

  private static final BigDecimal MAX_DECIMAL = BigDecimal.valueOf(MAX_NANOS, SCALE);
  private static final String AT_MOST_MAX = "must be at most " + MAX_DECIMAL.toPlainString();
  /** The longest amount text parsed: far more than any amount needs (at most 7 + 1 + 9). */
  private static final int MAX_TEXT_LENGTH = 32;

  private final long nanos;

  private Money(long nanos) {
    this.nanos = nanos;
  }

  /** The amount with {@code nanos} nano-units; rejects values outside {@code [-MAX, MAX]}. */
  public static Money ofNanos(long nanos) {
    if (nanos > MAX_NANOS || nanos < -MAX_NANOS) {
      throw new ArithmeticException("amount out of range: " + plainString(BigDecimal.valueOf(nanos, SCALE))
          + " (one amount is at most " + MAX_DECIMAL.toPlainString() + ")");
    }
    return nanos == 0 ? ZERO : new Money(nanos);
  }

  /**
   * Parses a plain decimal such as {@code "0.042"} as a non-negative amount for {@code field}.
   * Rejects signs, exponents, NaN, more than nine decimals (trailing zeros aside: {@code "0.1000000000"}
   * is exact) and values above {@link #MAX}.
   */
  public static Money parse(String field, String text) {
    ValidationException.require(text != null && !text.isEmpty(), field, "must be a decimal amount");
    if (!isPlainDecimal(text)) {
      throw new ValidationException(
          field, "must be a plain non-negative decimal such as 0.05 (got '" + abbreviate(text) + "')");
    }
    if (text.length() > MAX_TEXT_LENGTH) {
      throw new ValidationException(field, whyOverlong(text));
    }
    return of(field, new BigDecimal(text));
  }

  /**
   * The rule a plain decimal longer than {@link #MAX_TEXT_LENGTH} breaks, told from its digits: it
   * is not parsed (the bound caps the work one request asks for), but it is refused for the same
   * reason a shorter one would be, where it has one.
   */
  private static String whyOverlong(String text) {
    int point = text.indexOf('.');
    int whole = point < 0 ? text.length() : point;
    int end = text.length();
    while (point >= 0 && end > point + 1 && text.charAt(end - 1) == '0') {
      end--;
    }
    if (point >= 0 && end - point - 1 > SCALE) {
      return "must have at most 9 decimal places";
    }
    int first = 0;
    while (first < whole - 1 && text.charAt(first) == '0') {
      first++;
    }
    if (whole - first > MAX_DECIMAL.precision() - MAX_DECIMAL.scale()) {
      return AT_MOST_MAX;
    }
    return "must be at most " + MAX_TEXT_LENGTH + " characters (got '" + abbreviate(text) + "')";
  }

  /** Converts a non-negative decimal for {@code field}, rejecting over-precise or huge values. */
  public static Money of(String field, BigDecimal value) {
    ValidationException.require(value != null, field, "is required");
    ValidationException.require(value.signum() >= 0, field, "must not be negative");
    ValidationException.require(
        value.stripTrailingZeros().scale() <= SCALE, field, "must have at most 9 decimal places");
    ValidationException.require(
        value.compareTo(MAX_DECIMAL) <= 0, field, AT_MOST_MAX);
    return ofNanos(value.movePointRight(SCALE).setScale(0, RoundingMode.UNNECESSARY).longValueExact());
  }

  /** Digits, optionally a point and more digits. Checked on every request. */
  private static boolean isPlainDecimal(String text) {
    int n = text.length();
    int i = 0;
    while (i < n && isDigit(text.charAt(i))) {
      i++;
    }
    if (i == 0) {
      return false;
    }
    if (i == n) {
      return true;
    }
    if (text.charAt(i) != '.' || i + 1 == n) {
      return false;
    }
    for (i++; i < n; i++) {
      if (!isDigit(text.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  /** Convenience for code and tests: {@code Money.of("1.50")}. */
  public static Money of(String text) {
    return parse("amount", text);
  }

  public long nanos() {
    return nanos;
  }

  public boolean isZero() {
    return nanos == 0;
  }

  public Money plus(Money other) {
    return ofNanos(Math.addExact(nanos, other.nanos));
  }

  public Money minus(Money other) {
    return ofNanos(Math.subtractExact(nanos, other.nanos));
  }

  /**
   * The amount as an exact decimal without trailing zeros, but never with a negative scale: a
   * round amount such as 100 prints {@code 100}, not the {@code 1E+2} that stripping its zeros
   * alone would leave for {@link BigDecimal#toString} to print.
   */
  public BigDecimal toBigDecimal() {
    BigDecimal d = BigDecimal.valueOf(nanos, SCALE).stripTrailingZeros();
    return d.scale() < 0 ? d.setScale(0) : d;
  }

  /** Plain decimal, no exponent, at least two decimals: {@code 0.05}, {@code 12.00}, {@code 0.000000001}. */
  public String toPlainString() {
    return plainString(toBigDecimal());
  }

  /**
   * The money text of any exact amount, also of one beyond {@link #MAX} such as a total: plain
   * decimal, no exponent, no trailing zeros beyond two decimals ({@code 0.60}, {@code 1.00},
   * {@code 0.042}, {@code 18014398.509481982}). Every amount the API writes goes through here.
   */
  public static String plainString(BigDecimal amount) {
    BigDecimal d = amount.stripTrailingZeros();
    if (d.scale() < 2) {
      d = d.setScale(2);
    }
    return d.toPlainString();
  }

  @Override
  public int compareTo(Money o) {
    return Long.compare(nanos, o.nanos);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Money m && m.nanos == nanos;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(nanos);
  }

  @Override
  public String toString() {
    return toPlainString();
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }
}
