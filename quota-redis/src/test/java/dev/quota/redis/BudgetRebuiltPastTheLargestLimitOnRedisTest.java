package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Budget;
import dev.quota.LimitKind;
import dev.quota.LimitStatus;
import dev.quota.Money;
import dev.quota.MoneyTotal;
import dev.quota.Policy;
import dev.quota.Quota;
import dev.quota.Subject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A budget whose limit is the largest an amount takes (9007199.254740991), with recorded spend past
 * it, refuses even a call that costs nothing: its Redis counter stays at 2^53, past that limit.
 * Rebuilt from the ledger after Redis lost its data, it was seeded at the maximum, read exactly at
 * its limit and admitted such a call. The rebuilt counter is seeded where the live one stood.
 */
class BudgetRebuiltPastTheLargestLimitOnRedisTest extends LostRedisEngine {
  private final Quota quota = Quota.builder().clock(clock).store(store).config(config).ledger(ledger).build();

  BudgetRebuiltPastTheLargestLimitOnRedisTest() {
    super("rebuilt-past-largest");
  }

  @Override
  Quota quota() {
    return quota;
  }

  private LimitStatus budget() {
    return quota.usage(Subject.of("user", "alice")).stream()
        .filter(l -> l.kind() == LimitKind.BUDGET_DAILY).findFirst().orElseThrow();
  }

  @Test
  void aBudgetSpentPastTheLargestLimitStillRefusesACallThatCostsNothingOnceRebuilt() {
    quota.admin().putPolicy(
        Policy.builder("user:*").budget(Budget.of("USD", Money.MAX, null, null)).build(), "admin@test", "t");
    for (String cost : new String[] {"9007199.254740991", "9007199.254740991", "9007199.250518018"}) {
      assertThat(quota.record(alice(cost)).admitted()).isTrue();
    }
    // Redis counts no further exactly: the live counter stays just past the largest limit
    assertThat(budget().usedAmount()).isEqualByComparingTo("9007199.254740992");
    assertThat(quota.check(alice("0")).admitted()).isFalse();

    loseRedis();

    assertThat(quota.check(alice("0")).admitted()).isFalse();
    assertThat(quota.reserve(alice("0")).admitted()).isFalse();
    LimitStatus rebuilt = budget();
    assertThat(rebuilt.usedAmount()).isEqualByComparingTo("9007199.254740992");
    assertThat(rebuilt.allowed()).isFalse();
    // the ledger keeps the exact spend
    assertThat(ledger.spent(Map.of("user", "alice"), clock.instant().minus(Duration.ofHours(1)), clock.instant()))
        .isEqualTo(MoneyTotal.of("27021597.76"));
  }
}
