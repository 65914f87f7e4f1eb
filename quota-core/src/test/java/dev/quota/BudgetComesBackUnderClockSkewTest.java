package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.admin.MemoryConfigRepository;
import dev.quota.ledger.MemoryLedger;
import dev.quota.store.conformance.MutableClock;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/**
 * A budget that comes back to a counter it had before is caught up from the ledger if nothing was
 * decided on that counter since the engines took up their budget calendars. The counter's last
 * decision and the ledger's rows are dated by the store's clock, so that moment must be too: an
 * engine whose clock is minutes off the store's would otherwise find a counter current that missed
 * what was charged under the other calendar, and let the budget be spent again.
 */
class BudgetComesBackUnderClockSkewTest {
  private static final Subject ALICE = Subject.of("user", "alice");
  private static final Duration SKEW = Duration.ofMinutes(5);
  private static final Instant START = Instant.parse("2026-06-15T10:00:00Z");
  private final MutableClock storeClock = new MutableClock(START);
  private final MemoryConfigRepository config = new MemoryConfigRepository();
  private final MemoryLedger ledger = new MemoryLedger();
  /** Answers as an in-memory store does, on its own clock, until a test takes it away. */
  private final OutageStore store = new OutageStore(storeClock);

  private Quota engine(Duration ahead) {
    MutableClock engineClock = new MutableClock(storeClock.instant().plus(ahead));
    Quota q = Quota.builder().clock(engineClock).config(config).ledger(ledger).store(store).build();
    this.engineClock = engineClock;
    return q;
  }

  private MutableClock engineClock;

  /** A monthly budget of 2.00 whose month begins on {@code resetDay}. */
  private static Policy monthly(int resetDay) {
    return Policy.builder("user:*")
        .budget(new Budget("USD", null, Money.of("2.00"), null, ZoneOffset.UTC, LocalTime.MIDNIGHT, resetDay))
        .build();
  }

  private static void budget(Quota quota, int resetDay) {
    quota.admin().putPolicy(monthly(resetDay), ADMIN, "calendar");
  }

  /** A minute passes on both clocks. */
  private void aMinutePasses() {
    storeClock.advance(Duration.ofMinutes(1));
    engineClock.advance(Duration.ofMinutes(1));
  }

  private static void spend(Quota quota, String cost) {
    assertThat(quota.record(QuotaRequest.builder().user("alice").estimatedCost(cost).build()).admitted()).isTrue();
  }

  private static BigDecimal used(Quota quota) {
    return quota.usage(ALICE).stream()
        .filter(l -> l.kind() == LimitKind.BUDGET_MONTHLY).findFirst().orElseThrow().usedAmount();
  }

  private static boolean admits(Quota quota, String cost) {
    return quota.reserve(QuotaRequest.builder().user("alice").estimatedCost(cost).build()).admitted();
  }

  @Test
  void anEngineBehindTheStoreCatchesUpACounterDecidedOnWithinTheSkewBeforeTheChange() {
    // Back at 09:58 by the engine's clock: before the counter's last decision, at 10:00 by the store's.
    theBudgetHoldsWhatWasChargedUnderTheOtherCalendar(engine(SKEW.negated()));
  }

  @Test
  void anEngineAheadOfTheStoreCatchesUpWhatWasChargedBeforeItsOwnClockTime() {
    // The counter is first stamped at 10:05 by the engine's clock, the spend under the other
    // calendar is dated 10:02 by the store's: a catch-up from the stamp would skip it.
    theBudgetHoldsWhatWasChargedUnderTheOtherCalendar(engine(SKEW));
  }

  /** 1.00 spent, the calendar changed, 0.25 spent, changed back: the budget of 2.00 holds 1.25. */
  private void theBudgetHoldsWhatWasChargedUnderTheOtherCalendar(Quota quota) {
    budget(quota, 1);
    spend(quota, "1.00"); // 10:00 by the store: to the month from the 1st
    aMinutePasses();
    budget(quota, 10); // a month begun on June 10th: a counter of another name
    aMinutePasses();
    spend(quota, "0.25");
    aMinutePasses();

    budget(quota, 1); // back to the counter that holds 1.00 only

    assertThat(used(quota)).isEqualByComparingTo("1.25");
    assertThat(admits(quota, "0.80")).isFalse(); // would fit at 1.00
    assertThat(admits(quota, "0.75")).isTrue();
  }

  @Test
  void anEngineAheadOfTheStoreCatchesUpACounterItCaughtUpWithinTheSkewBefore() {
    Quota quota = engine(SKEW);
    budget(quota, 1);
    spend(quota, "1.00");
    aMinutePasses();
    budget(quota, 10);
    aMinutePasses();
    spend(quota, "0.25");
    aMinutePasses();
    budget(quota, 1);
    assertThat(used(quota)).isEqualByComparingTo("1.25");
    aMinutePasses();
    spend(quota, "0.30"); // to the month from the 1st only
    aMinutePasses();

    budget(quota, 10); // the counter from June 10th, stamped when the engines took it up, is behind by 0.30

    assertThat(used(quota)).isEqualByComparingTo("1.55");
    assertThat(admits(quota, "0.50")).isFalse(); // would fit at 1.25
    assertThat(admits(quota, "0.45")).isTrue();
  }

  @Test
  void anEngineAheadOfTheStoreCatchesUpABudgetHandedBackByAnOverrideWhenItComesBackAgain() {
    Quota quota = engine(SKEW);
    budget(quota, 1);
    spend(quota, "1.00"); // 10:00 by the store
    aMinutePasses();
    quota.admin().createOverride(
        Selector.parse("user:alice"),
        Policy.builder("user:alice")
            .budget(new Budget("USD", null, Money.of("2.00"), null, ZoneOffset.UTC, LocalTime.MIDNIGHT, 10))
            .build(),
        // Ends at 10:07 by the store, after its creation at 10:06 by the engine's clock.
        storeClock.instant().plus(Duration.ofMinutes(6)), ADMIN, "trial");
    aMinutePasses();
    spend(quota, "0.25"); // to the override's month, begun on June 10th
    for (int i = 0; i < 5; i++) {
      aMinutePasses(); // 10:07 by the store: the override has ended
    }
    assertThat(used(quota)).isEqualByComparingTo("1.25"); // caught up
    aMinutePasses();
    budget(quota, 15); // a month begun on June 15th, seeded from the ledger
    aMinutePasses();
    spend(quota, "0.30");
    aMinutePasses();

    budget(quota, 1); // 10:10 by the store: back to the counter that holds 1.25 only

    assertThat(used(quota)).isEqualByComparingTo("1.55");
    assertThat(admits(quota, "0.50")).isFalse(); // would fit at 1.25
  }

  @Test
  void anEngineBehindTheStoreDatesAChangeMadeWhileTheStoreIsAwayByTheDifferenceItReadBefore() {
    Quota quota = engine(SKEW.negated());
    budget(quota, 1);
    spend(quota, "1.00"); // 10:00 by the store
    aMinutePasses();
    budget(quota, 10);
    aMinutePasses();
    spend(quota, "0.25");
    aMinutePasses();
    store.goDown();

    budget(quota, 1); // 09:58 by the engine's clock, 10:03 by the store's as last read

    store.comeBack();
    assertThat(used(quota)).isEqualByComparingTo("1.25");
    assertThat(admits(quota, "0.80")).isFalse(); // would fit at 1.00
  }

  @Test
  void anEngineStartedBehindTheStoreWhileItIsAwayDatesItsTakeUpByTheStoreOnceItAnswers() {
    // Taken up at 09:58 by the engine's clock, before the counter's last decision at 10:00 by the store's.
    anEngineStartedWhileTheStoreIsAwayCatchesUpWhatTheOtherCalendarHeld(SKEW.negated());
  }

  @Test
  void anEngineStartedAheadOfTheStoreWhileItIsAwayStampsNoCounterIntoTheStoresFuture() {
    // Taken up at 10:08 by the engine's clock: a counter caught up then, stamped 10:08, would pass
    // for current at a change back at 10:06 by the store's.
    anEngineStartedWhileTheStoreIsAwayCatchesUpWhatTheOtherCalendarHeld(SKEW);
  }

  /**
   * 1.00 spent, the calendar changed, 0.25 spent, and the calendar changed back in the repository
   * while no engine ran (as a configuration applied then is); an engine then starts while the store
   * is away, with no difference to the store's clock ever read, and reloads once it answers.
   */
  private void anEngineStartedWhileTheStoreIsAwayCatchesUpWhatTheOtherCalendarHeld(Duration ahead) {
    Quota before = engine(Duration.ZERO);
    budget(before, 1);
    spend(before, "1.00"); // 10:00 by the store: to the month from the 1st
    aMinutePasses();
    budget(before, 10);
    aMinutePasses();
    spend(before, "0.25");
    aMinutePasses();
    config.putPolicy(monthly(1), replaced -> new dev.quota.admin.AuditEntry(
        0, storeClock.instant(), ADMIN, "policy.update", "user:*", null, null, "calendar"));
    store.goDown();
    Quota quota = engine(ahead); // 10:03 by the store

    store.comeBack();
    quota.reloadConfig(); // nothing changed since it started: as a server's periodic reload

    assertThat(used(quota)).isEqualByComparingTo("1.25");
    aMinutePasses();
    budget(quota, 10);
    aMinutePasses();
    spend(quota, "0.30"); // to the month from June 10th only
    aMinutePasses();
    budget(quota, 1); // 10:06 by the store: back to the counter that holds 1.25 only
    assertThat(used(quota)).isEqualByComparingTo("1.55");
    assertThat(admits(quota, "0.50")).isFalse(); // would fit at 1.25
    assertThat(admits(quota, "0.45")).isTrue();
  }
}
