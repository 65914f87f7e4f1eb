package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.admin.MemoryConfigRepository;
import dev.quota.ledger.MemoryLedger;
import dev.quota.store.MemoryStore;
import dev.quota.store.conformance.MutableClock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A cost is a bare amount that every budget applying to it counts in its own currency; a ledger row
 * charged to budgets of two currencies therefore has none ({@code SpendCurrencyTest}). Such rows
 * must still count when a lost counter is rebuilt from the ledger, in every budget that took them,
 * or a store's restart would hand back what was spent.
 */
class CurrenciesSurviveALostStoreTest {
  private final MutableClock clock = Fixtures.clock();
  private final MemoryConfigRepository config = new MemoryConfigRepository();
  private final MemoryLedger ledger = new MemoryLedger();

  private Quota start() {
    Quota q = engine();
    q.admin().putPolicy(Policy.builder("team:eu").budget(Budget.of("EUR", Money.of("10"), null, null)).build(), ADMIN, "t");
    q.admin().putPolicy(Policy.builder("user:*").budget(Budget.of("USD", Money.of("5"), null, null)).build(), ADMIN, "t");
    return q;
  }

  /** A process on the same configuration and ledger, with a store that holds no counters. */
  private Quota engine() {
    return Quota.builder().clock(clock).config(config).ledger(ledger).store(new MemoryStore(clock)).build();
  }

  private static QuotaRequest aliceInEu(String cost) {
    return QuotaRequest.builder().user("alice").team("eu").estimatedCost(cost).build();
  }

  private static String spent(Quota q, Subject subject) {
    LimitStatus budget = q.usage(subject).stream().filter(s -> s.kind() == LimitKind.BUDGET_DAILY).findFirst().orElseThrow();
    return budget.currency() + " " + Money.ofNanos(budget.used()).toPlainString();
  }

  @Test
  void aCostBothCurrenciesCountedIsRebuiltIntoEachBudget() {
    Quota before = start();
    Decision d = before.reserve(aliceInEu("3.00"));
    assertThat(d.admitted()).isTrue();
    before.commit(d.reservationId(), Money.of("2.50"), Map.of());
    assertThat(before.record(aliceInEu("1.25")).admitted()).isTrue();
    assertThat(spent(before, Subject.of("user", "alice"))).isEqualTo("USD 3.75");
    assertThat(spent(before, Subject.of("team", "eu"))).isEqualTo("EUR 3.75");

    clock.advance(Duration.ofMinutes(5));
    Quota after = engine();

    assertThat(spent(after, Subject.of("user", "alice"))).isEqualTo("USD 3.75");
    assertThat(spent(after, Subject.of("team", "eu"))).isEqualTo("EUR 3.75");
    // and the rebuilt USD budget refuses what the live one would: 3.75 + 1.50 is past 5
    assertThat(after.reserve(aliceInEu("1.50")).admitted()).isFalse();
    assertThat(after.reserve(aliceInEu("1.25")).admitted()).isTrue();
  }
}
