package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.admin.MemoryConfigRepository;
import dev.quota.ledger.MemoryLedger;
import dev.quota.store.MemoryStore;
import dev.quota.store.conformance.MutableClock;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/**
 * An admin changes a budget's time zone or reset time mid-period. The budget then counts periods
 * of the new calendar, whose counters have other names: the one for the period in progress must
 * hold the spend charged since that period began, as a budget rebuilt from the ledger would, not
 * start at zero and let the period's limit be spent again.
 */
class BudgetCalendarChangeTest {
  private static final Subject ALICE = Subject.of("user", "alice");
  private final MutableClock clock = new MutableClock(Instant.parse("2026-06-01T00:00:00Z"));
  private final Quota quota = Quota.builder()
      .clock(clock).config(new MemoryConfigRepository()).ledger(new MemoryLedger()).store(new MemoryStore(clock)).build();

  private void budget(ZoneId zone, String resetTime) {
    quota.admin().putPolicy(
        Policy.builder("user:*")
            .budget(new Budget("USD", Money.of("1.00"), Money.of("3.00"), null, zone, LocalTime.parse(resetTime), 1))
            .build(),
        ADMIN, "calendar");
  }

  private void at(String instant) {
    clock.advance(Duration.between(clock.instant(), Instant.parse(instant)));
  }

  private void spend(String cost) {
    assertThat(quota.record(QuotaRequest.builder().user("alice").estimatedCost(cost).build()).admitted()).isTrue();
  }

  private BigDecimal used(LimitKind kind) {
    return quota.usage(ALICE).stream().filter(l -> l.kind() == kind).findFirst().orElseThrow().usedAmount();
  }

  private boolean admits(String cost) {
    return quota.reserve(QuotaRequest.builder().user("alice").estimatedCost(cost).build()).admitted();
  }

  @Test
  void aTimeZoneChangedMidDayKeepsTheSpendOfTheDayInProgress() {
    budget(ZoneOffset.UTC, "00:00");
    at("2026-06-15T10:00:00Z");
    spend("0.90");
    at("2026-06-15T15:00:00Z");

    budget(ZoneId.of("America/New_York"), "00:00"); // its day began at 04:00 UTC, before the spend

    assertThat(used(LimitKind.BUDGET_DAILY)).isEqualByComparingTo("0.90");
    assertThat(used(LimitKind.BUDGET_MONTHLY)).isEqualByComparingTo("0.90");
    assertThat(admits("0.20")).isFalse();
    assertThat(admits("0.10")).isTrue();
  }

  @Test
  void aResetTimeMovedMidDayCountsOnlyTheSpendSinceTheNewDayBegan() {
    budget(ZoneOffset.UTC, "00:00");
    at("2026-06-15T05:00:00Z");
    spend("0.60");
    at("2026-06-15T07:00:00Z");
    spend("0.30");
    at("2026-06-15T08:00:00Z");

    budget(ZoneOffset.UTC, "06:00"); // its day began at 06:00: only the second spend is in it

    assertThat(used(LimitKind.BUDGET_DAILY)).isEqualByComparingTo("0.30");
    // The month now began on June 1st at 06:00: both spends are in it.
    assertThat(used(LimitKind.BUDGET_MONTHLY)).isEqualByComparingTo("0.90");
    assertThat(admits("0.70")).isTrue();
    assertThat(admits("0.01")).isFalse();
  }

  @Test
  void theNextPeriodOfTheNewCalendarStartsAfresh() {
    budget(ZoneOffset.UTC, "00:00");
    at("2026-06-15T10:00:00Z");
    spend("0.90");
    budget(ZoneId.of("Europe/Berlin"), "00:00");
    assertThat(used(LimitKind.BUDGET_DAILY)).isEqualByComparingTo("0.90");

    clock.advance(Duration.ofDays(1));
    assertThat(used(LimitKind.BUDGET_DAILY)).isEqualByComparingTo("0");
    assertThat(used(LimitKind.BUDGET_MONTHLY)).isEqualByComparingTo("0.90");
  }
}
