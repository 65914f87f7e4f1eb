package dev.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** Totals add amounts exactly past the bound of one amount and read like amounts. */
class MoneyTotalTest {
  @Test
  void sumsPastTheMaximumOfOneAmountExactly() {
    MoneyTotal two = MoneyTotal.ZERO.plus(Money.MAX).plus(Money.MAX);
    assertThat(two.toPlainString()).isEqualTo("18014398.509481982");
    assertThat(two).isEqualTo(MoneyTotal.of("18014398.509481982")).isEqualTo(MoneyTotal.ofNanos(2 * Money.MAX_NANOS));
    assertThat(two.plus(MoneyTotal.of(Money.of("0.000000001"))).toPlainString()).isEqualTo("18014398.509481983");
  }

  @Test
  void readsLikeMoney() {
    assertThat(MoneyTotal.of(Money.of("0.6")).toPlainString()).isEqualTo("0.60").isEqualTo(Money.of("0.6").toPlainString());
    assertThat(MoneyTotal.of(new BigDecimal("12.000000000")).toPlainString()).isEqualTo("12.00");
    assertThat(MoneyTotal.of(new BigDecimal("1E+3")).toPlainString()).isEqualTo("1000.00");
    assertThat(MoneyTotal.of((BigDecimal) null)).isEqualTo(MoneyTotal.ZERO);
    assertThat(MoneyTotal.ZERO.toPlainString()).isEqualTo("0.00");
    assertThat(MoneyTotal.of("4.1")).isEqualTo(MoneyTotal.of("4.100")).hasSameHashCodeAs(MoneyTotal.of("4.100"));
    assertThatThrownBy(() -> MoneyTotal.of("0.0000000001")).isInstanceOf(ArithmeticException.class);
  }

  @Test
  void inNanoUnitsIsExactUpToALongAndSaturatesOnlyPastIt() {
    assertThat(MoneyTotal.of("1.25").saturatedNanos()).isEqualTo(1_250_000_000L);
    // past one amount's maximum, a total still counts exactly: 3 x 9007199.254740991
    assertThat(MoneyTotal.of(Money.MAX).plus(Money.MAX).plus(Money.MAX).saturatedNanos()).isEqualTo(3 * Money.MAX.nanos());
    assertThat(MoneyTotal.of("9223372036.854775807").saturatedNanos()).isEqualTo(Long.MAX_VALUE);
    assertThat(MoneyTotal.of("9223372036.854775808").saturatedNanos()).isEqualTo(Long.MAX_VALUE);
    assertThat(MoneyTotal.of("27021597760.5").saturatedNanos()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void anAmountOutOfRangeIsNamedInUnitsNotNanoUnits() {
    assertThatThrownBy(() -> Money.MAX.plus(Money.MAX))
        .isInstanceOf(ArithmeticException.class)
        .hasMessageContaining("18014398.509481982")
        .hasMessageContaining("9007199.254740991")
        .hasMessageNotContaining("nano");
  }
}
