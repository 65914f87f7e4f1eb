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
 * Budget counters are kept per currency, so a counter seeded from the ledger (a budget created
 * mid-period, or one a lost store is rebuilt) holds the spend in its own currency and the spend in
 * none (charged to budgets of two currencies, each of which took it), never spend in another
 * currency: an override in euros over a policy in dollars does not start with the dollars spent.
 */
class BudgetSeededInItsCurrencyTest {
  private static final Subject TEAM = Subject.of("team", "ov");
  private final MutableClock clock = Fixtures.clock();
  private final MemoryConfigRepository config = new MemoryConfigRepository();
  private final MemoryLedger ledger = new MemoryLedger();
  private Quota quota = engine();

  /** A process on the same configuration and ledger, with a store that holds no counters. */
  private Quota engine() {
    return Quota.builder().clock(clock).config(config).ledger(ledger).store(new MemoryStore(clock)).build();
  }

  private void dailyBudget(String selector, String currency, String limit) {
    quota.admin().putPolicy(Policy.builder(selector).budget(Budget.of(currency, Money.of(limit), null, null)).build(), ADMIN, "t");
  }

  private String overrideInEuros() {
    Policy euros = Policy.builder("team:ov").budget(Budget.of("EUR", Money.of("5.00"), null, null)).build();
    return quota.admin().createOverride(Selector.parse("team:ov"), euros, clock.instant().plus(Duration.ofHours(1)), ADMIN, "t")
        .result().id();
  }

  private void record(QuotaRequest.Builder request, String cost) {
    assertThat(quota.record(request.estimatedCost(cost).build()).admitted()).isTrue();
  }

  private static QuotaRequest.Builder team() {
    return QuotaRequest.builder().team("ov");
  }

  private LimitStatus daily(Subject subject) {
    return quota.usage(subject).stream().filter(s -> s.kind() == LimitKind.BUDGET_DAILY).findFirst().orElseThrow();
  }

  private void assertTeamSpent(String currency, String amount) {
    LimitStatus budget = daily(TEAM);
    assertThat(budget.currency()).isEqualTo(currency);
    assertThat(budget.usedAmount()).isEqualByComparingTo(amount);
  }

  private void restart() {
    clock.advance(Duration.ofMinutes(5));
    quota = engine();
  }

  @Test
  void anOverrideInAnotherCurrencyStartsWithoutTheSpendInThePoliciesCurrency() {
    dailyBudget("team:*", "USD", "10.00");
    record(team(), "0.50");

    overrideInEuros();

    assertTeamSpent("EUR", "0.00");
    record(team(), "5.00"); // the whole EUR budget is still there
    assertThat(quota.reserve(team().estimatedCost("0.01").build()).admitted()).isFalse();
  }

  @Test
  void aBudgetRebuiltAfterARestartCountsOnlyTheSpendInItsCurrency() {
    dailyBudget("team:*", "USD", "10.00");
    record(team(), "0.50");
    String override = overrideInEuros();
    record(team(), "2.00");
    quota.admin().revokeOverride(override, ADMIN, "t");
    assertTeamSpent("USD", "0.50");

    restart();

    assertTeamSpent("USD", "0.50");
  }

  @Test
  void spendInNoOneCurrencyIsRebuiltIntoEachBudgetThatTookIt() {
    dailyBudget("team:*", "USD", "10.00");
    dailyBudget("user:*", "USD", "10.00");
    record(team(), "0.50");
    overrideInEuros();
    record(team(), "2.00");
    record(team().user("alice"), "1.00"); // EUR for the team, USD for alice: in no one currency
    assertTeamSpent("EUR", "3.00");

    restart();

    assertTeamSpent("EUR", "3.00");
    assertThat(daily(Subject.of("user", "alice")).usedAmount()).isEqualByComparingTo("1.00");
  }
}
