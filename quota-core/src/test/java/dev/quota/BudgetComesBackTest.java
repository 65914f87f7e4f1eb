package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.admin.MemoryConfigRepository;
import dev.quota.alert.Alert;
import dev.quota.ledger.MemoryLedger;
import dev.quota.store.MemoryStore;
import dev.quota.store.conformance.MutableClock;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A budget that comes back within its period to the counter it had before (its calendar changed
 * and changed back, its policy deleted and created again, an override of another calendar ended)
 * finds that counter behind the ledger: what was charged meanwhile went to another calendar's
 * counter, or to none. It must hold that spend again before it admits anything more.
 */
class BudgetComesBackTest {
  private static final Subject ALICE = Subject.of("user", "alice");
  private final MutableClock clock = new MutableClock(Instant.parse("2026-06-01T00:00:00Z"));
  private final MemoryConfigRepository config = new MemoryConfigRepository();
  private final MemoryLedger ledger = new MemoryLedger();
  private final MemoryStore store = new MemoryStore(clock);
  private final Quota quota = engine();

  private Quota engine() {
    return Quota.builder().clock(clock).config(config).ledger(ledger).store(store).build();
  }

  /** A monthly budget of 2.00 whose month begins on {@code resetDay}. */
  private static Policy monthly(String selector, int resetDay) {
    return Policy.builder(selector)
        .budget(new Budget("USD", null, Money.of("2.00"), null, ZoneOffset.UTC, LocalTime.MIDNIGHT, resetDay))
        .build();
  }

  private void budget(int resetDay) {
    quota.admin().putPolicy(monthly("user:*", resetDay), ADMIN, "calendar");
  }

  private void at(String instant) {
    clock.advance(Duration.between(clock.instant(), Instant.parse(instant)));
  }

  private void spend(String cost) {
    assertThat(quota.record(QuotaRequest.builder().user("alice").estimatedCost(cost).build()).admitted()).isTrue();
  }

  private static BigDecimal used(Quota q) {
    return q.usage(ALICE).stream()
        .filter(l -> l.kind() == LimitKind.BUDGET_MONTHLY).findFirst().orElseThrow().usedAmount();
  }

  private boolean admits(String cost) {
    return quota.reserve(QuotaRequest.builder().user("alice").estimatedCost(cost).build()).admitted();
  }

  /** The monthly budget from the 1st, and 1.00 of it spent on June 15th at 10:00. */
  private void oneDollarSpentUnderAMonthFromTheFirst() {
    budget(1);
    at("2026-06-15T10:00:00Z");
    spend("1.00");
  }

  /** The budget holds the 1.00 and the 0.25 charged while it was away: 0.80 more would pass its 2.00. */
  private void assertHoldsBothSpends() {
    assertThat(used(quota)).isEqualByComparingTo("1.25");
    assertThat(admits("0.80")).isFalse();
  }

  @Test
  void aCalendarChangedAndChangedBackHoldsWhatWasChargedUnderTheOther() {
    oneDollarSpentUnderAMonthFromTheFirst();
    at("2026-06-15T10:01:00Z");
    budget(10); // a month begun on June 10th: a counter of another name
    at("2026-06-15T10:02:00Z");
    spend("0.25");
    at("2026-06-15T10:03:00Z");

    budget(1); // back to the counter that holds 1.00 only

    assertThat(used(quota)).isEqualByComparingTo("1.25");
    assertThat(admits("0.80")).isFalse(); // would fit at 1.00
    assertThat(admits("0.75")).isTrue();
    assertThat(used(quota)).isEqualByComparingTo("2.00");
  }

  @Test
  void aPreparedRequestCatchesTheCounterUpBeforeItCharges() {
    oneDollarSpentUnderAMonthFromTheFirst();
    at("2026-06-15T10:01:00Z");
    budget(10);
    at("2026-06-15T10:02:00Z");
    spend("0.25");
    at("2026-06-15T10:03:00Z");
    budget(1);
    PreparedRequest prepared = quota.prepare(QuotaRequest.builder().user("alice").estimatedCost("0.80").build());

    assertThat(prepared.tryAcquire()).isFalse(); // would fit at 1.00
    assertThat(used(quota)).isEqualByComparingTo("1.25");
  }

  @Test
  void theLevelsTheCatchUpCrossesAreAlertedForTheCounterItCatchesUp() throws InterruptedException {
    oneDollarSpentUnderAMonthFromTheFirst();
    at("2026-06-15T10:01:00Z");
    budget(10);
    at("2026-06-15T10:02:00Z");
    spend("0.70"); // 85% of the month begun on June 10th, alerted there
    at("2026-06-15T10:03:00Z");
    budget(1);

    assertThat(used(quota)).isEqualByComparingTo("1.70");

    assertThat(quota.drainAlerts(Duration.ofSeconds(5))).isTrue();
    List<Alert> fromJuneFirst = quota.alertHistory().query(null, null, null, null, 0, 100).stream()
        .filter(a -> a.periodStart().equals(Instant.parse("2026-06-01T00:00:00Z"))).toList();
    assertThat(fromJuneFirst).extracting(Alert::threshold).containsExactly(new BigDecimal("0.8"));
    assertThat(fromJuneFirst.get(0).used()).isEqualByComparingTo("1.70");
    spend("0.01");
    assertThat(quota.drainAlerts(Duration.ofSeconds(5))).isTrue();
    assertThat(quota.alertHistory().query(null, null, null, null, 0, 100)).hasSize(2); // nothing alerted twice
  }

  @Test
  void aPolicyDeletedAndCreatedAgainHoldsWhatWasChargedWithoutIt() {
    oneDollarSpentUnderAMonthFromTheFirst();
    at("2026-06-15T10:01:00Z");
    quota.admin().deletePolicy(Selector.parse("user:*"), ADMIN, "gone");
    at("2026-06-15T10:02:00Z");
    spend("0.25"); // no budget counts it; the ledger does
    at("2026-06-15T10:03:00Z");

    budget(1);

    assertHoldsBothSpends();
  }

  @Test
  void aBudgetHandedBackByAnEndedOverrideHoldsWhatWasChargedUnderIt() {
    oneDollarSpentUnderAMonthFromTheFirst();
    at("2026-06-15T11:00:00Z");
    quota.admin().createOverride(
        Selector.parse("user:alice"), monthly("user:alice", 10), Instant.parse("2026-06-15T12:00:00Z"), ADMIN, "trial");
    at("2026-06-15T11:30:00Z");
    spend("0.25"); // to the override's month, begun on June 10th

    at("2026-06-15T12:30:00Z"); // the override has ended

    assertThat(quota.overrideInForce(ALICE)).isEmpty();
    assertHoldsBothSpends();
  }

  /** A subject's own policy without a budget takes the scope's budget away from it while it lasts. */
  @Test
  void aScopesBudgetHandedBackByADeletedPolicyWithoutOneHoldsWhatWasChargedMeanwhile() {
    oneDollarSpentUnderAMonthFromTheFirst();
    at("2026-06-15T11:00:00Z");
    quota.admin().putPolicy(
        Policy.builder("user:alice").rateLimit(RateLimit.perWindow(1_000, Duration.ofMinutes(1))).build(), ADMIN, "own limits");
    at("2026-06-15T11:30:00Z");
    spend("0.25"); // counted by no budget

    at("2026-06-15T12:00:00Z");
    quota.admin().deletePolicy(Selector.parse("user:alice"), ADMIN, "back to the team's");

    assertHoldsBothSpends();
  }

  /**
   * An override whose limits have no budget hands the policy's budget back when it ends; revoking
   * it afterwards (how expired overrides are cleared away) must not make the engines forget that.
   */
  @Test
  void aBudgetHandedBackByAnOverrideWithoutOneStillCatchesUpOnceTheExpiredOverrideIsRevoked() {
    oneDollarSpentUnderAMonthFromTheFirst();
    at("2026-06-15T11:00:00Z");
    Policy rateOnly = Policy.builder("user:alice").rateLimit(RateLimit.perWindow(1_000, Duration.ofMinutes(1))).build();
    String id = quota.admin().createOverride(
        Selector.parse("user:alice"), rateOnly, Instant.parse("2026-06-15T12:00:00Z"), ADMIN, "no budget today")
        .result().id();
    at("2026-06-15T11:30:00Z");
    spend("0.25"); // counted by no budget

    at("2026-06-15T12:30:00Z");
    quota.admin().revokeOverride(id, ADMIN, "clearing expired overrides");

    assertHoldsBothSpends();
  }

  @Test
  void anUnrelatedChangeLeavesTheBudgetAsItWas() {
    oneDollarSpentUnderAMonthFromTheFirst();
    at("2026-06-15T10:01:00Z");
    // Other budget counters: the engines take the set up anew, and alice's counter was current all along.
    quota.admin().putPolicy(monthly("team:*", 1), ADMIN, "teams");
    at("2026-06-15T10:02:00Z");

    assertThat(used(quota)).isEqualByComparingTo("1.00");
    spend("0.10");
    assertThat(used(quota)).isEqualByComparingTo("1.10");
  }

  @Test
  void aReservationOpenAcrossTheChangesCountsOnceWhenCommittedAfterThem() {
    budget(1);
    at("2026-06-15T10:00:00Z");
    Decision open = quota.reserve(QuotaRequest.builder().user("alice").estimatedCost("0.50").build());
    assertThat(open.admitted()).isTrue();
    spend("1.00");
    at("2026-06-15T10:01:00Z");
    budget(10);
    at("2026-06-15T10:02:00Z");
    spend("0.25");
    at("2026-06-15T10:03:00Z");
    budget(1);
    assertThat(used(quota)).isEqualByComparingTo("1.75"); // its estimate still held

    quota.commit(open.reservationId(), Money.of("0.40"), Map.of());

    assertThat(used(quota)).isEqualByComparingTo("1.65");
  }

  @Test
  void aReservationCommittedUnderTheOtherCalendarCountsOnceWhenTheBudgetComesBack() {
    budget(1);
    at("2026-06-15T10:00:00Z");
    Decision open = quota.reserve(QuotaRequest.builder().user("alice").estimatedCost("0.50").build());
    spend("1.00");
    at("2026-06-15T10:01:00Z");
    budget(10);
    at("2026-06-15T10:02:00Z");
    spend("0.25");
    // Charged to the counter it held, of the first calendar, dated when it was made.
    quota.commit(open.reservationId(), Money.of("0.40"), Map.of());
    at("2026-06-15T10:03:00Z");

    budget(1);

    assertThat(used(quota)).isEqualByComparingTo("1.65");
  }

  @Test
  void aResetInBetweenStillBoundsWhatTheBudgetCounts() {
    oneDollarSpentUnderAMonthFromTheFirst();
    at("2026-06-15T10:01:00Z");
    quota.admin().resetSubject(ALICE, ADMIN, "forgiven");
    at("2026-06-15T10:02:00Z");
    spend("0.30");
    at("2026-06-15T10:03:00Z");
    budget(10);
    at("2026-06-15T10:04:00Z");
    spend("0.25");
    at("2026-06-15T10:05:00Z");

    budget(1);

    assertThat(used(quota)).isEqualByComparingTo("0.55");
  }

  @Test
  void aSecondEngineWithALaterMarkerCountsNothingTwice() {
    budget(1);
    Quota other = engine(); // shares the store, the ledger and the configuration
    at("2026-06-15T10:00:00Z");
    spend("1.00");
    at("2026-06-15T10:01:00Z");
    budget(10);
    other.reloadConfig();
    at("2026-06-15T10:02:00Z");
    spend("0.25");
    at("2026-06-15T10:03:00Z");
    budget(1);
    assertThat(used(quota)).isEqualByComparingTo("1.25");
    at("2026-06-15T10:04:00Z");

    other.reloadConfig(); // takes the calendar up a minute later: its marker is later

    assertThat(used(other)).isEqualByComparingTo("1.25");
    assertThat(used(quota)).isEqualByComparingTo("1.25");
  }
}
