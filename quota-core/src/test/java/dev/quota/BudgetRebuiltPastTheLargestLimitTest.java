package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.admin.MemoryConfigRepository;
import dev.quota.ledger.MemoryLedger;
import dev.quota.store.MemoryStore;
import dev.quota.store.conformance.MutableClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A budget whose limit is the largest an amount takes (9007199.254740991), with recorded spend past
 * it, refuses even a call that costs nothing. Rebuilt from the ledger after a restart, it was seeded
 * with that maximum, read exactly at its limit and admitted such a call. The rebuilt counter holds
 * the exact spend, as the live one did, and refuses what the live one refused.
 */
class BudgetRebuiltPastTheLargestLimitTest {
  private final MutableClock clock = Fixtures.clock();
  private final MemoryConfigRepository config = new MemoryConfigRepository();
  private final MemoryLedger ledger = new MemoryLedger();

  /** A process on the same configuration and ledger, with a store that holds no counters. */
  private Quota engine() {
    return Quota.builder().clock(clock).config(config).ledger(ledger).store(new MemoryStore(clock)).build();
  }

  private static QuotaRequest alice(String cost) {
    return QuotaRequest.builder().user("alice").estimatedCost(cost).build();
  }

  private static LimitStatus budget(Quota q) {
    return q.usage(Subject.of("user", "alice")).stream()
        .filter(s -> s.kind() == LimitKind.BUDGET_DAILY).findFirst().orElseThrow();
  }

  @Test
  void aBudgetSpentPastTheLargestLimitStillRefusesACallThatCostsNothingOnceRebuilt() {
    Quota before = engine();
    before.admin().putPolicy(Policy.builder("user:*").budget(Budget.of("USD", Money.MAX, null, null)).build(), ADMIN, "t");
    for (String cost : new String[] {"9007199.254740991", "9007199.254740991", "9007199.250518018"}) {
      assertThat(before.record(alice(cost)).admitted()).isTrue();
    }
    assertThat(budget(before).usedAmount()).isEqualByComparingTo("27021597.76");
    assertThat(budget(before).allowed()).isFalse();
    assertThat(before.check(alice("0")).admitted()).isFalse();

    clock.advance(Duration.ofMinutes(5));
    Quota after = engine();

    assertThat(after.check(alice("0")).admitted()).isFalse();
    assertThat(after.reserve(alice("0")).admitted()).isFalse();
    LimitStatus rebuilt = budget(after);
    assertThat(rebuilt.usedAmount()).isEqualByComparingTo("27021597.76");
    assertThat(rebuilt.allowed()).isFalse();
    assertThat(rebuilt.remaining()).isZero();
  }
}
