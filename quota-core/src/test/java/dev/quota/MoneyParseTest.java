package dev.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MoneyParseTest {
  /** The rule as a regular expression: the hand-written check must accept exactly these shapes. */
  private static boolean plain(String s) {
    return s.matches("\\d+(\\.\\d+)?");
  }

  /** A round amount reads as its digits wherever a BigDecimal is printed (an alert's limit, say). */
  @Test
  void roundAmountsPrintWithoutAnExponent() {
    assertThat(Money.of("100").toBigDecimal().toString()).isEqualTo("100");
    assertThat(Money.of("2500.00").toBigDecimal().toString()).isEqualTo("2500");
    assertThat(Money.of("0.50").toBigDecimal().toString()).isEqualTo("0.5");
    assertThat(Money.of("0").toBigDecimal().toString()).isEqualTo("0");
    assertThat(Money.of("100").toBigDecimal()).isEqualByComparingTo("100");
  }

  @Test
  void acceptsExactlyPlainDecimalsOfAtMost32Characters() {
    SplittableRandom random = new SplittableRandom(7);
    String alphabet = "0123456789..-+e x";
    for (int i = 0; i < 200_000; i++) {
      int length = random.nextInt(36);
      StringBuilder sb = new StringBuilder(length);
      for (int j = 0; j < length; j++) {
        sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      String text = sb.toString();
      boolean parsed;
      boolean shapeAccepted;
      try {
        Money.parse("cost", text);
        parsed = true;
        shapeAccepted = true;
      } catch (ValidationException e) {
        assertThat(e.field()).isEqualTo("cost");
        parsed = false;
        // a plain decimal may still be refused for its value (too many places, too large) or length
        shapeAccepted = !e.getMessage().contains("plain non-negative decimal") && !e.getMessage().contains("must be a decimal amount");
      }
      assertThat(shapeAccepted).as(text).isEqualTo(plain(text));
      if (text.length() > 32) {
        assertThat(parsed).as(text).isFalse();
      }
    }
  }

  /** Nine places is a limit on precision, not on digits: zeros after the ninth change nothing and are taken. */
  @Test
  void zerosPastTheNinthDecimalAreTakenOtherDigitsAreNot() {
    assertThat(Money.parse("cost", "0.10000000000")).isEqualTo(Money.of("0.1"));
    assertThat(Money.parse("cost", "2.123456789000")).isEqualTo(Money.of("2.123456789"));
    assertThatThrownBy(() -> Money.parse("cost", "0.1234567891"))
        .isInstanceOf(ValidationException.class).hasMessage("cost: must have at most 9 decimal places");
    assertThatThrownBy(() -> Money.parse("cost", "0.1000000001"))
        .isInstanceOf(ValidationException.class).hasMessage("cost: must have at most 9 decimal places");
  }

  /** Longer than is parsed, a plain decimal is refused by the rule a shorter one like it would break. */
  @Test
  void anOverlongPlainDecimalNamesTheRuleItBreaks() {
    assertThatThrownBy(() -> Money.parse("daily", "1.0000000000000000000000000000001"))
        .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("daily"))
        .hasMessageContaining("must have at most 9 decimal places");
    assertThatThrownBy(() -> Money.parse("daily", "100000000000000000000000000000000"))
        .hasMessageContaining("must be at most 9007199.254740991");
    assertThatThrownBy(() -> Money.parse("daily", "1.50000000000000000000000000000000"))
        .hasMessageContaining("must be at most 32 characters");
    assertThatThrownBy(() -> Money.parse("daily", "000000000000000000000000000000001.5"))
        .hasMessageContaining("must be at most 32 characters");
    assertThat(Money.parse("daily", "000000000000000000000000001.5000").nanos()).isEqualTo(1_500_000_000L);
  }

  @Test
  void namesTheRuleAndTheValue() {
    assertThatThrownBy(() -> Money.parse("estimatedCost", "1e3"))
        .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("estimatedCost"))
        .hasMessageContaining("plain non-negative decimal")
        .hasMessageContaining("1e3");
    assertThatThrownBy(() -> Money.parse("estimatedCost", "9007199.254740992"))
        .hasMessageContaining("must be at most 9007199.254740991");
    assertThat(Money.parse("c", "9007199.254740991").nanos()).isEqualTo(Money.MAX_NANOS);
    assertThat(Money.parse("c", "01.50").nanos()).isEqualTo(1_500_000_000L);
  }
}
