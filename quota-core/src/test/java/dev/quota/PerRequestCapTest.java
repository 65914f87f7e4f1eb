package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.store.conformance.MutableClock;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A per-request cap bounds calls that give no estimate too: they hold the cap until committed. */
class PerRequestCapTest {
  private final MutableClock clock = Fixtures.clock();
  private final Quota quota = Fixtures.quota(clock);

  private void put(Policy p) {
    quota.admin().putPolicy(p, ADMIN, "test");
  }

  private static Policy capped(String selector, String daily, String cap) {
    return Policy.builder(selector).budget(Budget.of("USD", Money.of(daily), null, Money.of(cap))).build();
  }

  private long budgetUsed(String scope, String id) {
    return quota.usage(Subject.of(scope, id)).stream()
        .filter(l -> l.kind() == LimitKind.BUDGET_DAILY).findFirst().orElseThrow().used();
  }

  @Test
  void aReservationWithoutAnEstimateHoldsTheCapUntilItsActualCostReplacesIt() {
    put(capped("user:*", "10", "1.00"));
    Decision d = quota.reserve(Fixtures.user("a"));
    assertThat(d.admitted()).isTrue();
    assertThat(budgetUsed("user", "a")).isEqualTo(Money.of("1.00").nanos());
    Settled s = quota.commit(d.reservationId(), Money.of("0.30"), Map.of());
    assertThat(s.held()).isEqualTo(Money.of("1.00"));
    assertThat(s.overrun()).isEqualTo(Money.ZERO);
    assertThat(budgetUsed("user", "a")).isEqualTo(Money.of("0.30").nanos());
  }

  @Test
  void callsOfUnknownCostCannotTogetherOverspendANearlySpentBudget() {
    put(capped("user:*", "2.50", "1.00"));
    assertThat(quota.reserve(Fixtures.user("a")).admitted()).isTrue();
    assertThat(quota.reserve(Fixtures.user("a")).admitted()).isTrue();
    // 0.50 is left, less than the 1.00 the third call may cost.
    Decision third = quota.reserve(Fixtures.user("a"));
    assertThat(third.admitted()).isFalse();
    assertThat(third.denying()).extracting(LimitStatus::kind).containsExactly(LimitKind.BUDGET_DAILY);
    assertThat(quota.check(Fixtures.user("a")).admitted()).isFalse();
    // A call that says it costs little still fits.
    assertThat(quota.reserve(Fixtures.userCost("a", "0.40")).admitted()).isTrue();
  }

  /**
   * A retry under the key of a reservation admitted before its cap was lowered gets the first
   * admission, as after any other limit was lowered; a request the lower cap refuses claims no key.
   */
  @Test
  void aRetryUnderALowerCapGetsTheFirstAdmissionAndARefusalClaimsNoKey() {
    put(capped("user:*", "10", "1.50"));
    QuotaRequest call = QuotaRequest.builder().user("a").estimatedCost("1.00").idempotencyKey("call-1").build();
    Decision first = quota.reserve(call);
    assertThat(first.admitted()).isTrue();
    put(capped("user:*", "10", "0.50"));

    Decision retried = quota.reserve(call);
    assertThat(retried.admitted()).isTrue();
    assertThat(retried.replayed()).isTrue();
    assertThat(retried.reservationId()).isEqualTo(first.reservationId());

    QuotaRequest refused = QuotaRequest.builder().user("a").estimatedCost("1.00").idempotencyKey("call-2").build();
    assertThat(quota.reserve(refused).admitted()).isFalse();
    put(capped("user:*", "10", "1.50"));
    Decision admitted = quota.reserve(refused);
    assertThat(admitted.admitted()).isTrue();
    assertThat(admitted.replayed()).isFalse();
    assertThat(budgetUsed("user", "a")).isEqualTo(Money.of("2.00").nanos());
  }

  /**
   * A prepared request without an estimate decides as a reservation of it would: the in-memory
   * store's fast path, which judges the cost the call gives, once admitted it where only 0 fitted.
   */
  @Test
  void aPreparedRequestWithoutAnEstimateNeedsRoomForTheCap() {
    put(capped("user:*", "2.50", "1.00"));
    PreparedRequest prepared = quota.prepare(Fixtures.user("a"));
    assertThat(prepared.tryAcquire()).isTrue();
    assertThat(budgetUsed("user", "a")).as("charged its estimate, none").isZero();
    quota.record(Fixtures.userCost("a", "1.75"));
    // 0.75 is left, less than the 1.00 the call may cost.
    assertThat(quota.check(Fixtures.user("a")).admitted()).isFalse();
    assertThat(prepared.tryAcquire()).isFalse();
    assertThat(budgetUsed("user", "a")).isEqualTo(Money.of("1.75").nanos());
  }

  @Test
  void anActualCostAboveTheHeldCapIsChargedAndRecordedAsOverrun() {
    put(capped("user:*", "10", "1.00"));
    Decision d = quota.reserve(Fixtures.user("a"));
    Settled s = quota.commit(d.reservationId(), Money.of("1.25"), Map.of());
    assertThat(s.overrun()).isEqualTo(Money.of("0.25"));
    assertThat(budgetUsed("user", "a")).isEqualTo(Money.of("1.25").nanos());
    assertThat(quota.ledger().spent(Map.of("user", "a"), Instant.EPOCH, Instant.MAX)).isEqualTo(MoneyTotal.of("1.25"));
  }

  @Test
  void theSmallestEnforcedCapIsHeldOnEveryBudgetOfTheCall() {
    put(capped("user:*", "10", "2.00"));
    put(capped("team:*", "10", "0.50"));
    Decision d = quota.reserve(QuotaRequest.builder().user("a").team("t").build());
    assertThat(d.admitted()).isTrue();
    assertThat(budgetUsed("user", "a")).isEqualTo(Money.of("0.50").nanos());
    assertThat(budgetUsed("team", "t")).isEqualTo(Money.of("0.50").nanos());
  }

  @Test
  void aShadowPolicysCapHoldsNothing() {
    put(Policy.builder("user:*").budget(Budget.of("USD", Money.of("10"), null, Money.of("1.00"))).mode(Mode.SHADOW).build());
    put(Policy.builder("team:*").budget(Budget.of("USD", Money.of("0.10"), null, null)).build());
    // Were the shadow cap held, the team's 0.10 budget would refuse the call.
    assertThat(quota.reserve(QuotaRequest.builder().user("a").team("t").build()).admitted()).isTrue();
    assertThat(budgetUsed("team", "t")).isZero();
  }

  @Test
  void recordedUsageIsChargedAsGivenNotAsTheCap() {
    put(capped("user:*", "10", "1.00"));
    quota.record(Fixtures.user("a"));
    assertThat(budgetUsed("user", "a")).isZero();
    quota.record(Fixtures.userCost("a", "0.20"));
    assertThat(budgetUsed("user", "a")).isEqualTo(Money.of("0.20").nanos());
  }

  @Test
  void anEstimateIsHeldAsGivenAndStillJudgedAgainstTheCap() {
    put(capped("user:*", "10", "1.00"));
    assertThat(quota.reserve(Fixtures.userCost("a", "0.10")).admitted()).isTrue();
    assertThat(budgetUsed("user", "a")).isEqualTo(Money.of("0.10").nanos());
    Decision over = quota.reserve(Fixtures.userCost("a", "1.01"));
    assertThat(over.admitted()).isFalse();
    assertThat(over.denying()).extracting(LimitStatus::kind).containsExactly(LimitKind.BUDGET_PER_REQUEST);
  }
}
