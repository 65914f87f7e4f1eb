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
  void limitsAndAmountsLeaveTheFingerprintAsItWas() {
    Policy plain = budgeted("user:*", UTC_DAY_AND_MONTH);
    Policy limitsAndAmountsChanged = Policy.builder("user:*")
        .rateLimit(60, Duration.ofMinutes(1))
        .budget(new Budget("USD", Money.of("5.00"), Money.of("90.00"), Money.of("0.50"), ZoneOffset.UTC, LocalTime.MIDNIGHT, 1))
        .build();
    Policy tools = Policy.builder("tool:*").rateLimit(10, Duration.ofSeconds(1)).build();
    Policy toolsFaster = Policy.builder("tool:*").rateLimit(20, Duration.ofSeconds(1)).build();
    Policy perRequestOnly = budgeted("project:*", Budget.of("USD", null, null, Money.of("2.00")));
    Policy otherPerRequestOnly = budgeted("project:*", Budget.of("EUR", null, null, Money.of("3.00")));

    assertThat(fingerprint(limitsAndAmountsChanged, toolsFaster, otherPerRequestOnly))
        .isEqualTo(fingerprint(plain, tools, perRequestOnly));
  }

  /**
   * Limits without a daily or monthly budget are members by their owner alone: the most specific
   * policy, or an override's limits, take a broader policy's budget away from the subjects they
   * match while they last, and the budget that comes back when they go must be caught up.
   */
  @Test
  void limitsWithoutABudgetAreMembersByTheirOwner() {
    Policy users = budgeted("user:*", UTC_DAY_AND_MONTH);
    Policy aliceUnbudgeted = Policy.builder("user:alice").rateLimit(10, Duration.ofSeconds(1)).build();
    Override rateOnly = new Override(
        "o1", Selector.parse("user:bob"), Policy.builder("user:bob").rateLimit(5, Duration.ofSeconds(1)).build(), false,
        T0.plusSeconds(3600), "calm down", "admin", T0);
    Override bypass = new Override("o2", Selector.parse("user:bob"), null, true, T0.plusSeconds(3600), "free", "admin", T0);

    String policyOnly = fingerprint(List.of(users), List.of());
    assertThat(List.of(
            fingerprint(List.of(users, aliceUnbudgeted), List.of()),
            fingerprint(List.of(users), List.of(rateOnly)),
            policyOnly))
        .doesNotHaveDuplicates();
    // A bypass leaves the budget it stops from denying counting in its own counters (in shadow).
    assertThat(fingerprint(List.of(users), List.of(bypass))).isEqualTo(policyOnly);
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

  /** A revision of the zone's rules, in a process started on a newer time zone database, is a change. */
  @Test
  void anotherReleaseOfTheZonesRulesChangesTheFingerprint() {
    String before = fingerprint(budgeted("user:*", budget("USD", true, false, RevisedZone.as("2026a", ZoneOffset.UTC), "00:00", 1)));

    assertThat(fingerprint(budgeted("user:*", budget("USD", true, false, RevisedZone.as("2026a", ZoneOffset.UTC), "00:00", 1))))
        .isEqualTo(before);
    assertThat(fingerprint(budgeted("user:*", budget("USD", true, false, RevisedZone.as("2026b", ZoneOffset.ofHours(1)), "00:00", 1))))
        .isNotEqualTo(before);
  }

  /**
   * A zone named by an offset from UTC or GMT (as a policy's timezone may be) carries its rules in
   * its name, with no release of the time zone database behind it: its budget is fingerprinted as
   * any other, where asking for its release failed every snapshot naming it.
   */
  @Test
  void aZoneNamedByItsOffsetHasAFingerprintOfItsOwn() {
    List<String> fingerprints = new java.util.ArrayList<>();
    for (String zone : List.of("UTC+01:00", "GMT-05:30", "UT", "UTC", "Etc/GMT+5")) {
      fingerprints.add(fingerprint(budgeted("user:*", budget("USD", true, false, ZoneId.of(zone), "00:00", 1))));
    }

    assertThat(fingerprints).doesNotHaveDuplicates().allMatch(f -> f.matches("[0-9a-f]{64}"));
  }
}
