package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Budget;
import dev.quota.Money;
import dev.quota.Policy;
import dev.quota.Quota;
import dev.quota.Selector;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A bypass lifts enforcement, not counting: on Redis too, what it admits is charged to the budget
 * counter the policy uses. So once it ends the budget holds that spend, and a counter rebuilt from
 * the ledger after Redis lost its data holds what the live one did, rather than jumping by the
 * bypassed spend. With the policy on the bypassed selector itself, and on its scope's wildcard.
 */
class BypassAfterLostRedisTest extends LostRedisEngine {
  private static final Duration BYPASS = Duration.ofHours(1);
  private final Quota quota = Quota.builder().clock(clock).store(store).config(config).ledger(ledger).build();

  BypassAfterLostRedisTest() {
    super("bypass");
  }

  @Override
  Quota quota() {
    return quota;
  }

  @ParameterizedTest(name = "policy on {0}")
  @ValueSource(strings = {"user:alice", "user:*"})
  void aBudgetRebuiltAfterABypassHoldsWhatItCountedLive(String policySelector) {
    quota.admin().putPolicy(
        Policy.builder(policySelector).budget(Budget.of("USD", Money.of("1.00"), null, null)).build(), "admin@test", "t");
    spend("0.40");
    quota.admin().createOverride(
        Selector.parse("user:alice"), null, clock.instant().plus(BYPASS), "admin@test", "incident 7");
    spend("0.50");
    spend("0.50");
    spend("0.50"); // past the budget, which no longer denies
    assertThat(usedToday()).isEqualByComparingTo("1.90");

    advance(BYPASS);
    assertThat(quota.reserve(alice("0.01")).admitted()).isFalse();
    assertThat(usedToday()).isEqualByComparingTo("1.90");

    loseRedis();

    assertThat(usedToday()).isEqualByComparingTo("1.90");
  }
}
