package dev.quota.server.json;

import dev.quota.Money;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;

/**
 * The text of instants and amounts exactly as {@link Instant#toString()} and
 * {@link Money#toPlainString()} write them, without their formatter and {@code BigDecimal}
 * garbage: a decision response carries several of each. Values outside the common range are
 * handed to those methods.
 */
final class WireText {
  /** 9999-12-31T23:59:59Z: four-digit years need no sign. */
  private static final long LAST_FOUR_DIGIT_SECOND = 253_402_300_799L;
  private static final long NANOS_PER_UNIT = 1_000_000_000L;

  private WireText() {}

  /** As {@link Instant#toString()}: seconds always, and a fraction of 3, 6 or 9 digits when there is one. */
  static String instant(Instant t) {
    long epochSecond = t.getEpochSecond();
    if (epochSecond < 0 || epochSecond > LAST_FOUR_DIGIT_SECOND) {
      return t.toString();
    }
    long days = epochSecond / 86_400;
    int secondOfDay = (int) (epochSecond % 86_400);
    LocalDate date = LocalDate.ofEpochDay(days);
    int nano = t.getNano();
    int fractionDigits = nano == 0 ? 0 : nano % 1_000_000 == 0 ? 3 : nano % 1_000 == 0 ? 6 : 9;
    byte[] out = new byte[20 + (fractionDigits == 0 ? 0 : fractionDigits + 1)];
    digits(out, 0, date.getYear(), 4);
    out[4] = '-';
    digits(out, 5, date.getMonthValue(), 2);
    out[7] = '-';
    digits(out, 8, date.getDayOfMonth(), 2);
    out[10] = 'T';
    digits(out, 11, secondOfDay / 3600, 2);
    out[13] = ':';
    digits(out, 14, secondOfDay / 60 % 60, 2);
    out[16] = ':';
    digits(out, 17, secondOfDay % 60, 2);
    int end = 19;
    if (fractionDigits > 0) {
      out[end] = '.';
      int scaled = fractionDigits == 3 ? nano / 1_000_000 : fractionDigits == 6 ? nano / 1_000 : nano;
      digits(out, end + 1, scaled, fractionDigits);
      end += 1 + fractionDigits;
    }
    out[end] = 'Z';
    return new String(out, StandardCharsets.ISO_8859_1);
  }

  /**
   * As {@link Money#plainString}: no trailing zeros in the fraction, but at least two digits. Any
   * count of nano-units, also one past the maximum of one amount (a budget's use can be).
   */
  static String money(long nanos) {
    if (nanos < 0) {
      return Money.plainString(BigDecimal.valueOf(nanos, Money.SCALE));
    }
    long units = nanos / NANOS_PER_UNIT;
    int fraction = (int) (nanos % NANOS_PER_UNIT);
    int digits = 9;
    while (digits > 2 && fraction % 10 == 0) {
      fraction /= 10;
      digits--;
    }
    StringBuilder sb = new StringBuilder(24).append(units).append('.');
    String f = Integer.toString(fraction);
    for (int i = f.length(); i < digits; i++) {
      sb.append('0');
    }
    return sb.append(f).toString();
  }

  private static void digits(byte[] out, int at, int value, int width) {
    for (int i = at + width - 1; i >= at; i--) {
      out[i] = (byte) ('0' + value % 10);
      value /= 10;
    }
  }
}
