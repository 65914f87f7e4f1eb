package dev.quota.server.json;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Money;
import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Instants and amounts read exactly as Instant.toString and Money.toPlainString write them. */
class WireTextTest {
  @Test
  void instantsAsInstantToString() {
    for (String s : new String[] {"1970-01-01T00:00:00Z", "2026-11-29T00:00:00Z", "2026-11-28T18:03:51.444Z",
        "2024-02-29T23:59:59.000001Z", "2024-03-01T00:00:00.000000001Z", "9999-12-31T23:59:59.999999999Z",
        "+10000-01-01T00:00:00Z", "1969-12-31T23:59:59.5Z", "0001-01-01T00:00:00Z"}) {
      Instant t = Instant.parse(s);
      assertThat(WireText.instant(t)).isEqualTo(t.toString());
    }
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 100_000; i++) {
      long second = random.nextLong(-100_000_000_000L, 400_000_000_000L);
      int nano = switch (i % 4) {
        case 0 -> 0;
        case 1 -> random.nextInt(1000) * 1_000_000;
        case 2 -> random.nextInt(1_000_000) * 1_000;
        default -> random.nextInt(1_000_000_000);
      };
      Instant t = Instant.ofEpochSecond(second, nano);
      assertThat(WireText.instant(t)).isEqualTo(t.toString());
    }
  }

  @Test
  void amountsAsMoneyToPlainString() {
    long[] edges = {0, 1, 9, 10, 100_000, 1_000_000_000L, 1_500_000_000L, 1_050_000_000L, 999_999_999_900_000L,
        1_000_000_000_000_000L, Money.MAX_NANOS, -1, -1_500_000_000L};
    for (long n : edges) {
      assertThat(WireText.money(n)).as("%d", n).isEqualTo(Money.ofNanos(n).toPlainString());
    }
    SplittableRandom random = new SplittableRandom(11);
    for (int i = 0; i < 100_000; i++) {
      long n = random.nextLong(0, Money.MAX_NANOS + 1);
      // Round to a random number of decimals so that trailing zeros of every length occur.
      long unit = (long) Math.pow(10, random.nextInt(13));
      n = n / unit * unit;
      assertThat(WireText.money(n)).as("%d", n).isEqualTo(Money.ofNanos(n).toPlainString());
    }
  }
}
