package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.quota.admin.MemoryConfigRepository;
import dev.quota.ledger.MemoryLedger;
import dev.quota.store.MemoryStore;
import dev.quota.store.conformance.MutableClock;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A bypass lifts a selector's limits, not their counting: the limits that would apply without it
 * apply in shadow mode, so what it admits is charged to the budget counters the policy uses. Once
 * it ends the budget holds that spend, and so does a budget rebuilt from the ledger (which has
 * every row) after its store was lost: live and rebuilt counters agree. Each case runs with the
 * policy on the bypassed selector itself and, for an override on a selector without a policy, on
 * its scope's wildcard.
 */
class BypassStillCountsTest {
  private static final Subject ALICE = Subject.of("user", "alice");
  private static final Instant DAY_START = Instant.parse("2026-06-15T00:00:00Z");
  private static final Duration BYPASS = Duration.ofHours(1);
  private final MutableClock clock = Fixtures.clock();
  private final MemoryConfigRepository config = new MemoryConfigRepository();
  private final MemoryLedger ledger = new MemoryLedger();

  /** A process on the shared configuration and ledger, with a store of its own. */
  private Quota start() {
    return Quota.builder().clock(clock).config(config).ledger(ledger).store(new MemoryStore(clock)).build();
  }

  /** A new process a few minutes on: the configuration and the ledger are kept, the counters lost. */
  private Quota restart() {
    clock.advance(Duration.ofMinutes(5));
    return start();
  }

  private Quota withDailyBudget(String selector, Budget budget) {
    Quota q = start();
    q.admin().putPolicy(Policy.builder(selector).budget(budget).build(), ADMIN, "budget");
    return q;
  }

  private void bypassAlice(Quota q) {
    q.admin().createOverride(Selector.parse("user:alice"), null, clock.instant().plus(BYPASS), ADMIN, "incident 7");
  }

  /** Reserves {@code cost} for alice and commits it, returning the reservation's decision. */
  private static Decision spend(Quota q, String cost) {
    Decision d = q.reserve(Fixtures.userCost("alice", cost));
    assertThat(d.admitted()).isTrue();
    q.commit(d.reservationId(), Money.of(cost), Map.of());
    return d;
  }

  private static BigDecimal usedToday(Quota q) {
    return q.usage(ALICE).stream()
        .filter(l -> l.kind() == LimitKind.BUDGET_DAILY)
        .map(LimitStatus::usedAmount)
        .findFirst()
        .orElseThrow();
  }

  private MoneyTotal ledgerToday() {
    return ledger.spent(Map.of("user", "alice"), DAY_START, DAY_START.plus(Duration.ofDays(1)));
  }

  @ParameterizedTest(name = "policy on {0}")
  @ValueSource(strings = {"user:alice", "user:*"})
  void spendAdmittedUnderABypassStaysInTheBudgetOnceItEnds(String policySelector) {
    Quota live = withDailyBudget(policySelector, Budget.of("USD", Money.of("1.00"), null, null));
    spend(live, "0.40");
    bypassAlice(live);

    spend(live, "0.50");
    spend(live, "0.50");
    Decision past = spend(live, "0.50");

    // Admitted past the budget, which says it would have refused, in shadow mode.
    assertThat(past.denying()).isEmpty();
    assertThat(past.shadowDenials())
        .extracting(LimitStatus::kind, LimitStatus::subject, LimitStatus::mode)
        .containsExactly(tuple(LimitKind.BUDGET_DAILY, "user:alice", Mode.SHADOW));
    assertThat(usedToday(live)).isEqualByComparingTo("1.90");

    clock.advance(BYPASS);
    assertThat(live.overrideInForce(ALICE)).isEmpty();
    assertThat(usedToday(live)).isEqualByComparingTo("1.90");
    assertThat(live.reserve(Fixtures.userCost("alice", "0.01")).admitted()).isFalse();
    assertThat(ledgerToday()).isEqualTo(MoneyTotal.of("1.90"));
    assertThat(usedToday(restart())).isEqualByComparingTo("1.90");
  }

  @ParameterizedTest(name = "policy on {0}")
  @ValueSource(strings = {"user:alice", "user:*"})
  void aBudgetRebuiltDuringABypassHoldsWhatTheLiveOneDid(String policySelector) {
    Quota live = withDailyBudget(policySelector, Budget.of("USD", Money.of("1.00"), Money.of("5.00"), null));
    spend(live, "0.40");
    bypassAlice(live);
    assertThat(live.record(Fixtures.userCost("alice", "0.80")).admitted()).isTrue();
    assertThat(live.record(Fixtures.userCost("alice", "0.70")).admitted()).isTrue();
    BigDecimal counted = usedToday(live);
    assertThat(counted).isEqualByComparingTo("1.90");

    Quota restarted = restart();

    assertThat(usedToday(restarted)).isEqualByComparingTo(counted);
    assertThat(restarted.usage(ALICE))
        .filteredOn(l -> l.kind() == LimitKind.BUDGET_MONTHLY)
        .extracting(LimitStatus::usedAmount)
        .singleElement(InstanceOfAssertFactories.BIG_DECIMAL)
        .isEqualByComparingTo("1.90");
    // Still bypassed in the new process, and still counting.
    assertThat(restarted.overrideInForce(ALICE)).isPresent();
    spend(restarted, "0.50");
    assertThat(usedToday(restarted)).isEqualByComparingTo("2.40");
  }

  @Test
  void aBypassedBudgetReportsAndAlertsAsAShadowOneWithoutCappingOrHolding() throws Exception {
    Quota live = withDailyBudget("user:*", Budget.of("USD", Money.of("1.00"), null, Money.of("0.30")));
    bypassAlice(live);

    Decision d = spend(live, "0.90");

    assertThat(d.limits())
        .extracting(LimitStatus::selector, LimitStatus::kind, LimitStatus::allowed, LimitStatus::mode)
        .containsExactly(
            tuple(Selector.parse("user:*"), LimitKind.BUDGET_DAILY, true, Mode.SHADOW),
            tuple(Selector.parse("user:*"), LimitKind.BUDGET_PER_REQUEST, false, Mode.SHADOW));
    // Nothing enforced binds, as for a policy in shadow mode.
    assertThat(d.binding()).isNull();
    assertThat(live.drainAlerts(Duration.ofSeconds(10))).isTrue();
    assertThat(live.alertHistory().query("user:alice", null, null, null, 0, 10))
        .extracting(a -> a.threshold().toPlainString())
        .containsExactlyInAnyOrder("0.8", "0.9");
    // A call without an estimate: a shadow cap holds nothing, so the budget is left as it was.
    assertThat(live.reserve(Fixtures.user("alice")).admitted()).isTrue();
    assertThat(usedToday(live)).isEqualByComparingTo("0.90");
  }
}
