package dev.quota.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Budget;
import dev.quota.Money;
import dev.quota.Policy;
import dev.quota.Selector;
import dev.quota.admin.Override;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The fingerprint names a set of budget counters where it outlives the process: equal for every
 * configuration that counts budgets in the same counters, different as soon as one would count a
 * period under another name.
 */
class BudgetCounterSetTest {
  private static final Instant T0 = Instant.parse("2026-06-15T10:00:00Z");

  private static Policy budgeted(String selector, Budget budget) {
    return Policy.builder(selector).budget(budget).build();
  }

  private static Budget budget(String currency, boolean daily, boolean monthly, ZoneId zone, String resetTime, int resetDay) {
    return new Budget(
        currency, daily ? Money.of("1.00") : null, monthly ? Money.of("30.00") : null, null, zone, LocalTime.parse(resetTime),
        resetDay);
  }

  private static final Budget UTC_DAY_AND_MONTH = budget("USD", true, true, ZoneOffset.UTC, "00:00", 1);

  private static String fingerprint(List<Policy> policies, List<Override> overrides) {
    return BudgetCounterSet.of(policies, overrides).fingerprint();
  }

  private static String fingerprint(Policy... policies) {
    return fingerprint(List.of(policies), List.of());
  }

  @Test
  void equalSetsHaveEqualFingerprintsInAnyOrder() {
    Policy users = budgeted("user:*", UTC_DAY_AND_MONTH);
    Policy teams = budgeted("team:*", budget("EUR", false, true, ZoneId.of("Europe/Berlin"), "06:00", 15));

    assertThat(fingerprint(users, teams)).isEqualTo(fingerprint(teams, users)).matches("[0-9a-f]{64}");
    assertThat(BudgetCounterSet.of(List.of(users, teams), List.of()))
        .isEqualTo(BudgetCounterSet.of(List.of(teams, users), List.of()));
  }

  @Test
  void whatNamesNoBudgetCounterLeavesTheFingerprintAsItWas() {
    Policy plain = budgeted("user:*", UTC_DAY_AND_MONTH);
    Policy limitsAndAmountsChanged = Policy.builder("user:*")
        .rateLimit(60, Duration.ofMinutes(1))
        .budget(new Budget("USD", Money.of("5.00"), Money.of("90.00"), Money.of("0.50"), ZoneOffset.UTC, LocalTime.MIDNIGHT, 1))
        .build();
    Policy unbudgeted = Policy.builder("tool:*").rateLimit(10, Duration.ofSeconds(1)).build();
    Policy perRequestOnly = budgeted("project:*", Budget.of("USD", null, null, Money.of("2.00")));

    assertThat(fingerprint(limitsAndAmountsChanged, unbudgeted, perRequestOnly)).isEqualTo(fingerprint(plain));
  }

  @Test
  void eachPartOfACountersNameChangesTheFingerprint() {
    String before = fingerprint(budgeted("user:*", UTC_DAY_AND_MONTH));

    assertThat(List.of(
            fingerprint(budgeted("user:alice", UTC_DAY_AND_MONTH)),
            fingerprint(budgeted("user:*", budget("EUR", true, true, ZoneOffset.UTC, "00:00", 1))),
            fingerprint(budgeted("user:*", budget("USD", false, true, ZoneOffset.UTC, "00:00", 1))),
            fingerprint(budgeted("user:*", budget("USD", true, false, ZoneOffset.UTC, "00:00", 1))),
            fingerprint(budgeted("user:*", budget("USD", true, true, ZoneId.of("America/New_York"), "00:00", 1))),
            fingerprint(budgeted("user:*", budget("USD", true, true, ZoneOffset.UTC, "06:00", 1))),
            fingerprint(budgeted("user:*", budget("USD", true, true, ZoneOffset.UTC, "00:00", 2))),
            fingerprint(budgeted("user:*", UTC_DAY_AND_MONTH), budgeted("team:*", UTC_DAY_AND_MONTH)),
            fingerprint()))
        .doesNotContain(before)
        .doesNotHaveDuplicates();
  }

  @Test
  void anOverrideWithABudgetNamesCountersOfItsOwn() {
    Policy users = budgeted("user:*", UTC_DAY_AND_MONTH);
    Override budgetFor = new Override(
        "o1", Selector.parse("user:bob"), budgeted("user:bob", UTC_DAY_AND_MONTH), false, T0.plusSeconds(3600), "more",
        "admin", T0);
    Override otherId = new Override(
        "o2", Selector.parse("user:bob"), budgeted("user:bob", UTC_DAY_AND_MONTH), false, T0.plusSeconds(3600), "more",
        "admin", T0);
    Override bypass = new Override("o3", Selector.parse("user:bob"), null, true, T0.plusSeconds(3600), "free", "admin", T0);

    String policyOnly = fingerprint(List.of(users), List.of());
    assertThat(fingerprint(List.of(users), List.of(bypass))).isEqualTo(policyOnly);
    assertThat(fingerprint(List.of(users), List.of(budgetFor))).isNotEqualTo(policyOnly);
    assertThat(fingerprint(List.of(users), List.of(otherId)))
        .isNotEqualTo(policyOnly)
        .isNotEqualTo(fingerprint(List.of(users), List.of(budgetFor)));
  }
}
