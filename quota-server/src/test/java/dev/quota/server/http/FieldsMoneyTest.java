package dev.quota.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.quota.Money;
import dev.quota.ValidationException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Amounts in request bodies are read with exactly the outcome of Money.parse: the same value or the same refusal. */
class FieldsMoneyTest {
  @Test
  void sameOutcomeAsMoneyParse() {
    String[] cases = {"0", "0.0001", "0.05", "1.50", "1000000", "007.10", "9007199.254740991", "9007199.254740992",
        "0.000000001", "0.0000000001", "1.0000000000", "99999999999999999999", "", "-1", "+1", "1e3", "NaN", ".5", "5.",
        "1..2", "1.2.3", " 1", "1 ", "١", "0x10", "1".repeat(32), "1".repeat(33), "0." + "0".repeat(30)};
    for (String s : cases) {
      assertSameOutcome(s);
    }
    SplittableRandom random = new SplittableRandom(3);
    String alphabet = "0123456789.-e ";
    for (int i = 0; i < 50_000; i++) {
      StringBuilder sb = new StringBuilder();
      int length = random.nextInt(1, 36);
      for (int j = 0; j < length; j++) {
        sb.append(random.nextInt(10) < 8 ? (char) ('0' + random.nextInt(10)) : alphabet.charAt(random.nextInt(alphabet.length())));
      }
      assertSameOutcome(sb.toString());
    }
  }

  private static void assertSameOutcome(String text) {
    Object expected;
    try {
      expected = Money.parse("cost", text);
    } catch (ValidationException e) {
      expected = e.field() + ": " + e.rule();
    }
    Object actual;
    Throwable t = catchThrowable(() -> Fields.money("cost", text));
    if (t instanceof ApiError e) {
      actual = e.field() + ": " + e.rule();
    } else {
      assertThat(t).as(text).isNull();
      actual = Fields.money("cost", text);
    }
    assertThat(actual).as("'%s'", text).isEqualTo(expected);
  }
}
