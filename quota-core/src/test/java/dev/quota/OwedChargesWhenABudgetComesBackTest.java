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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A budget that comes back to a counter it had before is caught up from the ledger, which holds
 * the rows of charges still owed to the store (usage recorded while it was away): each such charge
 * counts once, by the catch-up if it read the row, else by its replay. Replays are triggered by the
 * test.
 */
class OwedChargesWhenABudgetComesBackTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-06-01T00:00:00Z"));
  private final OutageStore store = new OutageStore(clock);
  private final Quota quota = Quota.builder()
      .clock(clock).store(store).config(new MemoryConfigRepository()).ledger(new MemoryLedger())
      .replayOwedChargesInBackground(false).build();

  @AfterEach
  void close() {
    quota.close();
  }

  /** A fail-open monthly budget of 2.00 whose month begins on {@code resetDay}. */
  private void budget(int resetDay) {
    quota.admin().putPolicy(
        Policy.builder("user:*")
            .budget(new Budget("USD", null, Money.of("2.00"), null, ZoneOffset.UTC, LocalTime.MIDNIGHT, resetDay))
            .failMode(FailMode.OPEN)
            .build(),
        ADMIN, "calendar");
    clock.advance(Duration.ofMinutes(1));
  }

  private void record(String cost) {
    assertThat(quota.record(Fixtures.userCost("alice", cost)).admitted()).isTrue();
    clock.advance(Duration.ofMinutes(1));
  }

  /** Alice records {@code cost} while the store is away: owed to it. */
  private void recordOwed(String cost) {
    store.goDown();
    assertThat(quota.record(Fixtures.userCost("alice", cost)).failOpen()).isTrue();
    store.comeBack();
    clock.advance(Duration.ofMinutes(1));
  }

  private BigDecimal used() {
    return quota.usage(Subject.of("user", "alice")).stream()
        .filter(l -> l.kind() == LimitKind.BUDGET_MONTHLY).findFirst().orElseThrow().usedAmount();
  }

  /** 1.00 charged under the first calendar, 0.25 under another, then 0.10 owed after the change back. */
  private void chargedAwayThenOwed() {
    clock.advance(Duration.ofDays(14)); // June 15th
    budget(1);
    record("1.00");
    budget(10);
    record("0.25");
    budget(1);
    recordOwed("0.10");
    assertThat(quota.owedCharges()).isEqualTo(1);
  }

  /** The store dates the take-up of budget counters; away, the engine's clock does, and the change applies. */
  @Test
  void aCalendarChangedWhileTheStoreIsAwayIsTakenUpAndCaughtUpWhenChangedBack() {
    clock.advance(Duration.ofDays(14));
    budget(1);
    record("1.00");
    store.goDown();
    assertThat(quota.admin().putPolicy(
        Policy.builder("user:*")
            .budget(new Budget("USD", null, Money.of("2.00"), null, ZoneOffset.UTC, LocalTime.MIDNIGHT, 10))
            .failMode(FailMode.OPEN)
            .build(),
        ADMIN, "calendar").applied()).isTrue();
    store.comeBack();
    clock.advance(Duration.ofMinutes(1));
    record("0.25"); // to the month from June 10th, seeded with the 1.00

    budget(1);

    assertThat(used()).isEqualByComparingTo("1.25");
  }

  @Test
  void aChargeOwedAfterTheCounterWasLastDecidedOnCountsOnceWhenCaughtUpFirst() {
    chargedAwayThenOwed();

    assertThat(used()).isEqualByComparingTo("1.35"); // the catch-up read the owed row
    assertThat(quota.replayOwedCharges()).isZero();
    assertThat(used()).isEqualByComparingTo("1.35");
  }

  @Test
  void aChargeOwedAfterTheCounterWasLastDecidedOnCountsOnceWhenReplayedFirst() {
    chargedAwayThenOwed();

    assertThat(quota.replayOwedCharges()).isZero(); // finds the counter behind, catches it up
    assertThat(used()).isEqualByComparingTo("1.35");
  }

  @Test
  void aChargeOwedBeforeTheCounterWasLastDecidedOnIsStillReplayed() {
    clock.advance(Duration.ofDays(14));
    budget(1);
    record("0.50");
    recordOwed("0.10");
    record("1.00"); // the counter, decided on after the owed row's time, does not hold it yet
    budget(10);
    record("0.25");
    budget(1);

    assertThat(used()).isEqualByComparingTo("1.75"); // caught up from after its last decision
    assertThat(quota.replayOwedCharges()).isZero();
    assertThat(used()).isEqualByComparingTo("1.85");
  }

  @Test
  void aChargeOwedBeforeTheChangesIsReplayedOnlyOnceTheCounterIsCaughtUp() {
    clock.advance(Duration.ofDays(14));
    budget(1);
    record("1.00");
    recordOwed("0.10"); // compiled under the first calendar, before it changed and changed back
    budget(10);
    record("0.25");
    budget(1);

    // Replayed under the configuration in force, which finds the counter behind: had it passed for
    // current, the replay would have made it so and the 0.25 would never be caught up.
    assertThat(quota.replayOwedCharges()).isZero();
    assertThat(used()).isEqualByComparingTo("1.35");
  }
}
