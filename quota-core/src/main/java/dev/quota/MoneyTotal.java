package dev.quota;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Objects;

/**
 * An exact sum of {@link Money} amounts: a cost report's rows and totals, what the ledger holds
 * for a subject over a period, what a budget counter has used. One amount is bounded by
 * {@link Money#MAX} (the range Redis scripts compute exactly); a sum of many is not, so a total
 * is a decimal with nine fractional digits and no upper bound. Its text is {@link Money}'s
 * ({@code 0.60}, {@code 18014398.509481982}).
 */
public final class MoneyTotal implements Comparable<MoneyTotal> {
  public static final MoneyTotal ZERO = new MoneyTotal(BigDecimal.ZERO);

  private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE, Money.SCALE);

  /** Always at scale {@link Money#SCALE}, so that equal totals are equal objects. */
  private final BigDecimal value;

  private MoneyTotal(BigDecimal value) {
    this.value = value.setScale(Money.SCALE, RoundingMode.UNNECESSARY);
  }

  public static MoneyTotal of(Money amount) {
    return amount.isZero() ? ZERO : new MoneyTotal(BigDecimal.valueOf(amount.nanos(), Money.SCALE));
  }

  /**
   * The total {@code value}, e.g. a database's {@code SUM} of amount columns; null reads as zero
   * (the {@code SUM} of no rows).
   *
   * @throws ArithmeticException when {@code value} has more than nine fractional digits
   */
  public static MoneyTotal of(BigDecimal value) {
    return value == null || value.signum() == 0 ? ZERO : new MoneyTotal(value);
  }

  /** Convenience for code and tests: {@code MoneyTotal.of("18014398.509481982")}. */
  public static MoneyTotal of(String text) {
    return of(new BigDecimal(Objects.requireNonNull(text, "text")));
  }

  /** The nano-units of {@code nanos}, e.g. a budget counter's use, which may pass {@link Money#MAX}. */
  public static MoneyTotal ofNanos(long nanos) {
    return nanos == 0 ? ZERO : new MoneyTotal(BigDecimal.valueOf(nanos, Money.SCALE));
  }

  public MoneyTotal plus(Money amount) {
    return amount.isZero() ? this : new MoneyTotal(value.add(BigDecimal.valueOf(amount.nanos(), Money.SCALE)));
  }

  public MoneyTotal plus(MoneyTotal other) {
    return other.isZero() ? this : isZero() ? other : new MoneyTotal(value.add(other.value));
  }

  public boolean isZero() {
    return value.signum() == 0;
  }

  /**
   * This total in nano-units, or {@link Long#MAX_VALUE} when it is larger: what a budget counter
   * rebuilt from the ledger is seeded with. A store keeps it as a charge to the same spend would
   * (exactly in memory; on Redis, past {@link Money#MAX}, at one nano-unit more), which is past
   * every limit whenever this total is.
   */
  public long saturatedNanos() {
    return value.compareTo(LONG_MAX) >= 0 ? Long.MAX_VALUE : value.unscaledValue().longValueExact();
  }

  /** The exact value, without trailing zeros. */
  public BigDecimal toBigDecimal() {
    return value.stripTrailingZeros();
  }

  /** The same text as {@link Money#toPlainString()}: {@code 0.05}, {@code 12.00}. */
  public String toPlainString() {
    return Money.plainString(value);
  }

  @Override
  public int compareTo(MoneyTotal o) {
    return value.compareTo(o.value);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MoneyTotal t && t.value.equals(value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }

  @Override
  public String toString() {
    return toPlainString();
  }
}
