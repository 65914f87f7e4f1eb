package dev.quota.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.Money;
import dev.quota.MoneyTotal;
import dev.quota.ValidationException;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MemoryLedgerTest {
  private static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");

  private static UsageEntry entry(int i, String user, String cost, String reservationId, String key) {
    return new UsageEntry("e" + i, T0.plusSeconds(i), Map.of("user", user, "team", "t"), Money.of(cost), Map.of(),
        reservationId, key, null);
  }

  @Test
  void keepsTheNewestEntriesUpToItsCapacityAndAnswersFromThem() {
    MemoryLedger ledger = new MemoryLedger(3);
    for (int i = 1; i <= 5; i++) {
      ledger.append(entry(i, "u" + (i % 2), i + ".00", null, null));
    }

    assertThat(ledger.size()).isEqualTo(3);
    assertThat(ledger.forgotten()).isEqualTo(2);
    assertThat(ledger.entries(Map.of("team", "t"), T0, T0.plusSeconds(60))).extracting(UsageEntry::id)
        .containsExactly("e3", "e4", "e5");
    assertThat(ledger.spent(Map.of("team", "t"), T0, T0.plusSeconds(60))).isEqualTo(MoneyTotal.of("12.00"));
    assertThat(ledger.spent(Map.of("user", "u1"), T0, T0.plusSeconds(60))).isEqualTo(MoneyTotal.of("8.00"));
    // [from, to): e4 is at T0 + 4 s
    assertThat(ledger.spent(Map.of("team", "t"), T0.plusSeconds(4), T0.plusSeconds(5))).isEqualTo(MoneyTotal.of("4.00"));
    assertThat(ledger.spent(Map.of("user", "u1", "team", "x"), T0, T0.plusSeconds(60))).isEqualTo(MoneyTotal.ZERO);
  }

  /**
   * A budget counts a commit from when its reservation was made, so the spend over a range does
   * too; the entries written in a range are still listed by when they were written.
   */
  @Test
  void spendCountsFromWhenItsReservationWasMadeAndEntriesAreListedByWhenWritten() {
    MemoryLedger ledger = new MemoryLedger();
    Instant noon = T0.plusSeconds(12 * 3600);
    ledger.append(new UsageEntry("late", noon.plusSeconds(60), Map.of("user", "u"), Money.of("2.00"), Map.of(), "r-1",
        null, null, noon.minusSeconds(60)));
    ledger.append(new UsageEntry("recorded", noon.plusSeconds(30), Map.of("user", "u"), Money.of("1.00"), Map.of(), null,
        null, null));

    assertThat(ledger.spent(Map.of("user", "u"), noon, noon.plusSeconds(3600))).isEqualTo(MoneyTotal.of("1.00"));
    assertThat(ledger.spent(Map.of("user", "u"), noon.minusSeconds(3600), noon)).isEqualTo(MoneyTotal.of("2.00"));
    assertThat(ledger.entries(Map.of("user", "u"), noon, noon.plusSeconds(3600))).extracting(UsageEntry::id)
        .containsExactlyInAnyOrder("late", "recorded");
  }

  /**
   * A budget counts spend in its currency and spend in none (charged to budgets of two currencies,
   * each of which took it), never spend in another currency.
   */
  @Test
  void spendInACurrencyCountsThatCurrencyAndNone() {
    MemoryLedger ledger = new MemoryLedger();
    Map<String, String> team = Map.of("team", "t");
    ledger.append(new UsageEntry("usd", T0, team, Money.of("0.50"), Map.of(), null, null, null, null, "USD"));
    ledger.append(new UsageEntry("eur", T0, team, Money.of("2.00"), Map.of(), null, null, null, null, "EUR"));
    ledger.append(new UsageEntry("none", T0, team, Money.of("1.00"), Map.of(), null, null, null, null, null));

    assertThat(ledger.spent(team, "USD", T0, T0.plusSeconds(1))).isEqualTo(MoneyTotal.of("1.50"));
    assertThat(ledger.spent(team, "EUR", T0, T0.plusSeconds(1))).isEqualTo(MoneyTotal.of("3.00"));
    assertThat(ledger.spent(team, "GBP", T0, T0.plusSeconds(1))).isEqualTo(MoneyTotal.of("1.00"));
    assertThat(ledger.spent(team, T0, T0.plusSeconds(1))).isEqualTo(MoneyTotal.of("3.50"));
  }

  @Test
  void aRepeatedKeyOrReservationAddsNothingWhileItsEntryIsKept() {
    MemoryLedger ledger = new MemoryLedger(2);
    ledger.append(entry(1, "u", "1.00", "r-1", null));
    ledger.append(entry(2, "u", "1.00", "r-1", null));
    ledger.append(entry(3, "u", "2.00", null, "k-1"));
    ledger.append(entry(4, "u", "2.00", "r-2", "k-1"));

    assertThat(ledger.entries(Map.of(), T0, T0.plusSeconds(60))).extracting(UsageEntry::id).containsExactly("e1", "e3");
    assertThat(ledger.forgotten()).isZero();
  }

  @Test
  void aForgottenEntrysKeyIsForgottenWithIt() {
    MemoryLedger ledger = new MemoryLedger(2);
    ledger.append(entry(1, "u", "1.00", null, "k-1"));
    ledger.append(entry(2, "u", "1.00", null, "k-2"));
    ledger.append(entry(3, "u", "1.00", null, "k-3")); // k-1 leaves

    ledger.append(entry(4, "u", "1.00", null, "k-1"));
    ledger.append(entry(5, "u", "1.00", null, "k-3")); // still kept: a repeat

    assertThat(ledger.entries(Map.of(), T0, T0.plusSeconds(60))).extracting(UsageEntry::id).containsExactly("e3", "e4");
    assertThat(ledger.forgotten()).isEqualTo(2);
  }

  @Test
  void aCapacityBelowOneIsRefusedByName() {
    assertThatThrownBy(() -> new MemoryLedger(0)).isInstanceOf(ValidationException.class)
        .hasMessageContaining("capacity");
  }
}
