package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.admin.MemoryConfigRepository;
import dev.quota.ledger.MemoryLedger;
import dev.quota.store.MemoryStore;

import dev.quota.store.conformance.MutableClock;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class RecoveryAndGuardTest {
  private final MutableClock clock = Fixtures.clock();

  @Test
  void aRestartedStoreIsSeededFromTheLedgerBeforeAdmittingMore() {
    MemoryConfigRepository config = new MemoryConfigRepository();
    MemoryLedger ledger = new MemoryLedger();
    Quota before = Quota.builder().clock(clock).config(config).ledger(ledger).build();
    before.admin().putPolicy(Policy.builder("user:*").budget(Budget.of("USD", Money.of("1"), Money.of("3"), null)).build(), ADMIN, "t");
    Decision d = before.reserve(Fixtures.userCost("u", "0.7"));
    before.commit(d.reservationId(), Money.of("0.7"), Map.of());
    clock.advance(Duration.ofMinutes(5));
    // A new process: fresh counters, same durable config and ledger.
    Quota after = Quota.builder().clock(clock).config(config).ledger(ledger).store(new MemoryStore(clock)).build();
    assertThat(after.reserve(Fixtures.userCost("u", "0.31")).admitted()).isFalse();
    assertThat(after.reserve(Fixtures.userCost("u", "0.30")).admitted()).isTrue();
    LimitStatus monthly = after.usage(Subject.of("user", "u")).get(1);
    assertThat(monthly.usedAmount()).isEqualByComparingTo("1.00");
  }

  @Test
  void aLedgerTotalBeyondOneAmountSeedsAnExhaustedBudget() {
    MemoryConfigRepository config = new MemoryConfigRepository();
    MemoryLedger ledger = new MemoryLedger();
    Quota before = Quota.builder().clock(clock).config(config).ledger(ledger).build();
    before.admin().putPolicy(Policy.builder("user:*").budget(Budget.of("USD", Money.of("5"), null, null)).build(), ADMIN, "t");
    before.record(QuotaRequest.builder().user("big").estimatedCost(Money.MAX).build());
    before.record(QuotaRequest.builder().user("big").estimatedCost(Money.MAX).build());
    assertThat(ledger.spent(Map.of("user", "big"), clock.instant().minusSeconds(60), clock.instant().plusSeconds(60)))
        .isEqualTo(MoneyTotal.ofNanos(2 * Money.MAX_NANOS));
    long live = before.usage(Subject.of("user", "big")).get(0).used();
    // A new process: the ledger's total, more than one amount, is seeded as the live counter held it
    // and still exhausts the budget.
    Quota after = Quota.builder().clock(clock).config(config).ledger(ledger).store(new MemoryStore(clock)).build();
    assertThat(after.reserve(Fixtures.userCost("big", "0.01")).admitted()).isFalse();
    assertThat(after.usage(Subject.of("user", "big")).get(0).used()).isEqualTo(live).isEqualTo(2 * Money.MAX_NANOS);
  }

  /** A store that answers nothing, as Redis does while it is down. */
  private static dev.quota.store.Store unreachableStore() {
    return new dev.quota.store.Store() {
      @Override public dev.quota.plan.PlanResult apply(dev.quota.plan.Plan plan) {
        throw new StoreUnavailableException("redis down", null);
      }
      @Override public dev.quota.plan.SettleResult settle(dev.quota.plan.Settlement s) {
        throw new StoreUnavailableException("redis down", null);
      }
      @Override public java.util.Optional<dev.quota.plan.Holding> holding(String reservationId) {
        throw new StoreUnavailableException("redis down", null);
      }
      @Override public void seed(dev.quota.plan.CounterKey key, long nanos, long end, int fired, long since, long alerted) {}
      @Override public dev.quota.plan.CaughtUp catchUp(dev.quota.plan.BudgetOp op, long nanos, long touchedMs) {
        throw new StoreUnavailableException("redis down", null);
      }
      @Override public void reset(String subject) {}
    };
  }

  @Test
  void storeOutageFailsClosedUnlessEveryPolicyFailsOpen() {
    dev.quota.store.Store down = unreachableStore();
    java.util.concurrent.atomic.AtomicInteger failOpen = new java.util.concurrent.atomic.AtomicInteger();
    Quota q = Quota.builder().clock(clock).store(down).listener(new QuotaListener() {
      @Override public void onFailOpen() {
        failOpen.incrementAndGet();
      }
    }).build();
    q.admin().putPolicy(Policy.builder("user:*").rateLimit(1, Duration.ofMinutes(1)).failMode(FailMode.OPEN).build(), ADMIN, "t");
    Decision d = q.reserve(Fixtures.user("u"));
    assertThat(d.admitted()).isTrue();
    assertThat(d.failOpen()).isTrue();
    assertThat(failOpen).hasValue(1);
    q.admin().putPolicy(Policy.builder("team:*").budget(Budget.of("USD", Money.of("1"), null, null)).build(), ADMIN, "t");
    assertThatThrownBy(() -> q.reserve(QuotaRequest.builder().user("u").team("t").build()))
        .isInstanceOf(StoreUnavailableException.class)
        .matches(e -> ((StoreUnavailableException) e).failClosed(), "refused by a fail-closed policy");
  }

  /** A settlement or a read is no decision: a store outage fails it whatever the fail modes, and names no policy. */
  @Test
  void storeOutageOutsideADecisionIsNoFailClosedRefusal() {
    dev.quota.store.Store down = unreachableStore();
    Quota q = Quota.builder().clock(clock).store(down).build();
    q.admin().putPolicy(Policy.builder("user:*").rateLimit(1, Duration.ofMinutes(1)).failMode(FailMode.OPEN).build(), ADMIN, "t");
    q.admin().putPolicy(Policy.builder("team:*").rateLimit(1, Duration.ofMinutes(1)).build(), ADMIN, "t");
    for (ThrowingCallable call : List.<ThrowingCallable>of(
        () -> q.usage(Subject.of("user", "u")),
        () -> q.usage(Subject.of("team", "t")),
        () -> q.commit("r1", Money.of("0.1"), null),
        () -> q.release("r1"))) {
      assertThatThrownBy(call)
          .isInstanceOf(StoreUnavailableException.class)
          .matches(e -> !((StoreUnavailableException) e).failClosed(), "not a fail-closed refusal");
    }
  }

  /**
   * Admitted because the store is down and the policy fails open, a guarded call has no
   * reservation: its result is returned and its cost recorded as usage, and a failing call's own
   * exception reaches the caller, with nothing to release.
   */
  @Test
  void aGuardedCallAdmittedFailingOpenRecordsItsCostAndKeepsItsOwnFailure() throws Exception {
    MemoryLedger ledger = new MemoryLedger();
    Quota q = Quota.builder().clock(clock).store(unreachableStore()).ledger(ledger).build();
    q.admin().putPolicy(Policy.builder("user:*").rateLimit(1, Duration.ofMinutes(1)).failMode(FailMode.OPEN).build(), ADMIN, "t");
    QuotaGuard guard = new QuotaGuard(q);

    assertThat(guard.call(Fixtures.userCost("u", "0.5"), () -> "result", r -> QuotaGuard.Usage.of(Money.of("0.2"))))
        .isEqualTo("result");
    assertThat(guard.callAsync(Fixtures.userCost("u", "0.5"), () -> CompletableFuture.supplyAsync(() -> "later"),
        r -> QuotaGuard.Usage.of(Money.of("0.1"))).get()).isEqualTo("later");
    assertThat(ledger.spent(Map.of("user", "u"), clock.instant().minusSeconds(60), clock.instant().plusSeconds(60)))
        .isEqualTo(MoneyTotal.of("0.3"));

    assertThatThrownBy(() -> guard.call(Fixtures.userCost("u", "0.5"), () -> { throw new IOException("tool failed"); },
        r -> QuotaGuard.Usage.of(Money.ZERO))).isInstanceOf(IOException.class);
    CompletableFuture<String> failing = guard.callAsync(Fixtures.userCost("u", "0.5"),
        () -> CompletableFuture.failedFuture(new IllegalStateException("timeout")), r -> QuotaGuard.Usage.of(Money.ZERO));
    assertThatThrownBy(failing::get).hasCauseInstanceOf(IllegalStateException.class);
  }

  @Test
  void guardCommitsTheActualCostOrReleasesOnFailure() throws Exception {
    Quota q = Fixtures.quota(clock);
    q.admin().putPolicy(Policy.builder("user:*").concurrency(1).budget(Budget.of("USD", Money.of("1"), null, null)).build(), ADMIN, "t");
    QuotaGuard guard = new QuotaGuard(q);
    String out = guard.call(Fixtures.userCost("u", "0.5"), () -> "result", r -> QuotaGuard.Usage.of(Money.of("0.2")));
    assertThat(out).isEqualTo("result");
    assertThatThrownBy(() -> guard.call(Fixtures.userCost("u", "0.5"), () -> { throw new IOException("tool failed"); },
        r -> QuotaGuard.Usage.of(Money.of("0.5")))).isInstanceOf(IOException.class);
    // The message names the subject refused, which the selector user:* does not, and when to retry.
    assertThatThrownBy(() -> guard.call(Fixtures.userCost("u", "0.9"), () -> "x", r -> QuotaGuard.Usage.of(Money.ZERO)))
        .isInstanceOf(QuotaExceededException.class)
        .hasMessage("denied by user:* budget_daily for user:u; retry at 2026-06-16T00:00:00Z");
    CompletableFuture<String> async = guard.callAsync(Fixtures.userCost("u", "0.1"),
        () -> CompletableFuture.supplyAsync(() -> "later"), r -> QuotaGuard.Usage.of(Money.of("0.1")));
    assertThat(async.get()).isEqualTo("later");
    CompletableFuture<String> failing = guard.callAsync(Fixtures.userCost("u", "0.1"),
        () -> CompletableFuture.failedFuture(new IllegalStateException("timeout")), r -> QuotaGuard.Usage.of(Money.ZERO));
    assertThatThrownBy(failing::get).isInstanceOf(ExecutionException.class);
    LimitStatus daily = q.usage(Subject.of("user", "u")).get(0);
    assertThat(daily.usedAmount()).isEqualByComparingTo("0.3");
    assertThat(q.usage(Subject.of("user", "u")).get(1).used()).isZero(); // every slot returned
  }
}
