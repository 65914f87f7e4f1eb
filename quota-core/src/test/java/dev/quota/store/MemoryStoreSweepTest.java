package dev.quota.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Budget;
import dev.quota.Money;
import dev.quota.Policy;
import dev.quota.Quota;
import dev.quota.QuotaRequest;
import dev.quota.Subject;
import dev.quota.plan.BudgetOp;
import dev.quota.plan.CounterKeys;
import dev.quota.plan.Plan;
import dev.quota.plan.SettleResult;
import dev.quota.plan.Settlement;
import dev.quota.store.conformance.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MemoryStoreSweepTest {
  @Test
  void sweepingDropsOnlyCountersAtRest() {
    MutableClock clock = new MutableClock(Instant.parse("2026-06-15T10:00:00Z"));
    MemoryStore store = new MemoryStore(clock);
    Quota quota = Quota.builder().clock(clock).store(store).build();
    quota.admin().putPolicy(Policy.builder("user:*").rateLimit(5, Duration.ofMinutes(1))
        .budget(Budget.of("USD", Money.of("1"), null, null)).concurrency(2).build(), "admin", "t");
    for (int i = 0; i < 100; i++) {
      quota.reserve(QuotaRequest.builder().user("u" + i).estimatedCost("0.1").build());
    }
    store.sweep();
    assertThat(store.counterCount()).isEqualTo(300); // windows, budgets and slots all in use
    clock.advance(Duration.ofMinutes(6)); // reservations expired, windows slid past
    store.sweep();
    assertThat(store.counterCount()).isEqualTo(100); // only today's (now empty) budgets remain
    clock.advance(Duration.ofDays(1));
    store.sweep();
    assertThat(store.counterCount()).isZero();
    // Nothing observable changed: the limits still count from zero.
    for (int i = 0; i < 5; i++) {
      var d = quota.reserve(QuotaRequest.builder().user("u1").build());
      assertThat(d.admitted()).isTrue();
      quota.release(d.reservationId());
    }
  }

  /**
   * A reservation made in a budget period and committed just after it is charged to the counter of
   * its period, as on Redis (which keeps that counter an hour past its period), and a sweep in
   * between must not change that: it once dropped the counter as soon as the period ended, and the
   * commit then charged nothing and reported no budget or crossed alert level.
   */
  @Test
  void aSweepKeepsABudgetOfAPeriodJustEndedForTheReservationsHoldingIt() {
    MutableClock clock = new MutableClock(Instant.parse("2026-06-15T23:59:00Z"));
    MemoryStore store = new MemoryStore(clock);
    long start = Instant.parse("2026-06-15T00:00:00Z").toEpochMilli();
    long end = Instant.parse("2026-06-16T00:00:00Z").toEpochMilli();
    String subject = CounterKeys.subjectOf(Subject.of("user", "late"));
    BudgetOp hold = new BudgetOp(CounterKeys.budget(subject, "USD", "day", start), true, "b", 100, 40, start, end,
        new long[] {80});
    Plan reserve = new Plan(Plan.Kind.RESERVE, List.of(hold), "r1", 600_000, null, "fp", null, false);
    assertThat(store.apply(reserve).admitted()).isTrue();
    clock.advance(Duration.ofMinutes(2)); // the period is over
    store.sweep();
    SettleResult committed = store.settle(Settlement.commit("r1", 90, Map.of()));
    assertThat(committed.budgets()).containsExactly(
        new SettleResult.BudgetChange("b", hold.key(), 100, 90, 1));

    clock.advance(Duration.ofHours(1));
    store.sweep();
    assertThat(store.counterCount()).isZero();
  }

  @Test
  void settledReservationsAreRememberedUpToABoundThenAnsweredFromTheLedgerNeverAppliedTwice() {
    MutableClock clock = new MutableClock(Instant.parse("2026-06-15T10:00:00Z"));
    MemoryStore store = new MemoryStore(clock, 3);
    // The store remembers three settlements, the ledger four entries: of five commits, the oldest
    // is forgotten by both, the next one by the store alone.
    Quota quota = Quota.builder().clock(clock).store(store).ledger(new dev.quota.ledger.MemoryLedger(4)).build();
    quota.admin().putPolicy(Policy.builder("user:*").budget(Budget.of("USD", Money.of("10"), null, null)).build(), "admin", "t");
    java.util.List<String> ids = new java.util.ArrayList<>();
    for (int i = 0; i < 5; i++) {
      String id = quota.reserve(QuotaRequest.builder().user("u").estimatedCost("1").build()).reservationId();
      quota.commit(id, Money.of("1"), null);
      ids.add(id);
    }
    assertThat(quota.commit(ids.get(4), Money.of("1"), null).repeated()).isTrue();
    // forgotten by the store, still in the ledger: a repeat
    assertThat(quota.commit(ids.get(1), Money.of("1"), null).repeated()).isTrue();
    // forgotten by both: unknown, and never applied a second time
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> quota.commit(ids.get(0), Money.of("1"), null))
        .isInstanceOf(dev.quota.NotFoundException.class);
    assertThat(quota.usage(dev.quota.Subject.of("user", "u")).get(0).used()).isEqualTo(Money.of("5").nanos());
  }

  @Test
  void idempotencyRecordsAreKeptUpToABoundAndAForgottenKeyAppliesAgain() {
    MutableClock clock = new MutableClock(Instant.parse("2026-06-15T10:00:00Z"));
    MemoryStore store = new MemoryStore(clock, MemoryStore.MAX_SETTLED, 3);
    Quota quota = Quota.builder().clock(clock).store(store).build();
    quota.admin().putPolicy(Policy.builder("user:*").rateLimit(100, Duration.ofMinutes(1)).build(), "admin", "t");
    java.util.List<String> ids = new java.util.ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(quota.reserve(QuotaRequest.builder().user("u").idempotencyKey("k" + i).build()).reservationId());
    }

    var newest = quota.reserve(QuotaRequest.builder().user("u").idempotencyKey("k4").build());
    var oldest = quota.reserve(QuotaRequest.builder().user("u").idempotencyKey("k0").build());

    assertThat(newest.replayed()).isTrue();
    assertThat(newest.reservationId()).isEqualTo(ids.get(4));
    assertThat(oldest.replayed()).isFalse(); // forgotten: three newer keys came after it
    assertThat(oldest.reservationId()).isNotEqualTo(ids.get(0));
    assertThat(quota.usage(dev.quota.Subject.of("user", "u")).get(0).used()).isEqualTo(6);
  }
}
