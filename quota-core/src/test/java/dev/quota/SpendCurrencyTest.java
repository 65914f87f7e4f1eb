package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.ledger.UsageEntry;
import dev.quota.store.conformance.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A ledger row keeps the currency of the budgets its cost was charged to, however it was charged
 * (recorded, committed, acquired through a prepared request), so reports can total each currency
 * apart. A cost no budget counted, or that budgets of different currencies both counted, has none.
 */
class SpendCurrencyTest {
  private final MutableClock clock = Fixtures.clock();
  private final Quota quota = Fixtures.quota(clock);

  private void budget(String selector, String currency) {
    quota.admin().putPolicy(
        Policy.builder(selector).budget(Budget.of(currency, Money.of("100"), null, null)).build(), ADMIN, "t");
  }

  private UsageEntry onlyRowOf(String team) {
    List<UsageEntry> rows = quota.ledger().entries(Map.of("team", team), Instant.EPOCH, Instant.MAX);
    assertThat(rows).hasSize(1);
    return rows.get(0);
  }

  private static QuotaRequest spend(String team, String cost) {
    return QuotaRequest.builder().user("u-" + team).team(team).estimatedCost(cost).build();
  }

  @Test
  void recordedUsageIsInTheCurrencyOfItsBudgets() {
    budget("team:eu", "EUR");
    budget("team:us", "USD");
    quota.record(spend("eu", "0.40"));
    quota.record(spend("us", "0.25"));
    assertThat(onlyRowOf("eu").currency()).isEqualTo("EUR");
    assertThat(onlyRowOf("us").currency()).isEqualTo("USD");
  }

  @Test
  void aCommitIsInTheCurrencyOfTheBudgetsThatHeldItsReservation() {
    budget("team:eu", "EUR");
    Decision d = quota.reserve(spend("eu", "1.00"));
    // The policy changes before the commit: the budget that took the hold decides.
    budget("team:eu", "GBP");
    quota.commit(d.reservationId(), Money.of("0.80"), Map.of());
    assertThat(onlyRowOf("eu").currency()).isEqualTo("EUR");
  }

  @Test
  void aPreparedRequestsChargesAreInTheCurrencyOfItsBudgets() {
    budget("team:eu", "EUR");
    PreparedRequest p = quota.prepare(spend("eu", "0.10"));
    assertThat(p.tryAcquire()).isTrue();
    assertThat(onlyRowOf("eu").currency()).isEqualTo("EUR");
  }

  @Test
  void budgetsOfOneCurrencyOnSeveralSubjectsAgree() {
    budget("team:eu", "EUR");
    budget("user:*", "EUR");
    quota.record(spend("eu", "0.40"));
    assertThat(onlyRowOf("eu").currency()).isEqualTo("EUR");
  }

  @Test
  void aCostCountedByBudgetsOfTwoCurrenciesHasNone() {
    budget("team:eu", "EUR");
    budget("user:*", "USD");
    quota.record(spend("eu", "0.40"));
    assertThat(onlyRowOf("eu").currency()).isNull();
  }

  @Test
  void aPolicyChangedAsUsageIsRecordedDoesNotRelabelIt() {
    AfterApplyStore store = new AfterApplyStore(clock);
    Quota engine = Quota.builder().clock(clock).store(store).build();
    engine.admin().putPolicy(
        Policy.builder("team:eu").budget(Budget.of("EUR", Money.of("100"), null, null)).build(), ADMIN, "t");
    // The store charges the EUR budget; the change to GBP lands before the engine writes the row.
    store.afterNextApply(() -> engine.admin().putPolicy(
        Policy.builder("team:eu").budget(Budget.of("GBP", Money.of("100"), null, null)).build(), ADMIN, "t"));
    engine.record(spend("eu", "0.40"));
    List<UsageEntry> rows = engine.ledger().entries(Map.of("team", "eu"), Instant.EPOCH, Instant.MAX);
    assertThat(rows).singleElement().extracting(UsageEntry::currency).isEqualTo("EUR");
  }

  @Test
  void aCostNoBudgetCountedHasNone() {
    quota.admin().putPolicy(Policy.builder("team:*").rateLimit(10, Duration.ofMinutes(1)).build(), ADMIN, "t");
    quota.record(spend("eu", "0.40"));
    assertThat(onlyRowOf("eu").currency()).isNull();
  }
}
