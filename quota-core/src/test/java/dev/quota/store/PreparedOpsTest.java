package dev.quota.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Algorithm;
import dev.quota.Budget;
import dev.quota.Money;
import dev.quota.Policy;
import dev.quota.PreparedRequest;
import dev.quota.Quota;
import dev.quota.QuotaRequest;
import dev.quota.RateLimit;
import dev.quota.Subject;
import dev.quota.plan.BudgetOp;
import dev.quota.plan.CounterKeys;
import dev.quota.plan.CounterOp;
import dev.quota.plan.OpResult;
import dev.quota.plan.Plan;
import dev.quota.plan.PlanResult;
import dev.quota.plan.RateOp;
import dev.quota.store.conformance.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Prepared consumption keeps the counters it found; it must never count on one the store dropped. */
class PreparedOpsTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-06-15T10:00:00Z"));
  private final MemoryStore store = new MemoryStore(clock);
  private final Quota quota = Quota.builder().clock(clock).store(store).build();
  private final QuotaRequest request = QuotaRequest.builder().user("u").team("t").build();

  private int acquired(PreparedRequest p, int attempts) {
    int n = 0;
    for (int i = 0; i < attempts; i++) {
      n += p.tryAcquire() ? 1 : 0;
    }
    return n;
  }

  private int reserved(int attempts) {
    int n = 0;
    for (int i = 0; i < attempts; i++) {
      n += quota.reserve(request).admitted() ? 1 : 0;
    }
    return n;
  }

  /**
   * A budget counter at the largest count a long holds is past every limit: a prepared hold on it
   * is denied, and the other ops of the plan are left as they were.
   */
  @Test
  void aPreparedHoldOnABudgetAtTheLargestCountIsDeniedAndConsumesNothing() {
    String subject = CounterKeys.subjectOf(Subject.of("user", "whale"));
    long now = clock.millis();
    RateLimit perMinute = new RateLimit(RateLimit.REQUESTS, 100, Duration.ofMinutes(1), Algorithm.SLIDING_WINDOW);
    RateOp rate = new RateOp(CounterKeys.rate(subject, perMinute), true, "r", perMinute, 1);
    BudgetOp budget = new BudgetOp(CounterKeys.budget(subject, "USD", "day", now - 1_000), true, "b", 1_000_000_000L,
        500_000_000L, now - 1_000, now + 3_600_000, new long[0]);
    store.seed(budget.key(), Long.MAX_VALUE - 100, budget.periodEndMs(), 0);
    PreparedOps prepared = store.prepare(new CounterOp[] {rate, budget});

    assertThat(prepared.tryConsume(null, null)).isEqualTo(PreparedOps.DENIED);
    PlanResult checked = store.apply(new Plan(Plan.Kind.CHECK, List.of(rate, budget), null, 0, null, "c", null, false));
    assertThat(checked.results().get(0).used()).isZero();
    assertThat(checked.results().get(1).used()).isEqualTo(Long.MAX_VALUE - 100);
    assertThat(checked.admitted()).isFalse();
  }

  @Test
  void aSweptCounterIsLookedUpAgainSoPreparedAndGeneralPathsShareOne() {
    quota.admin().putPolicy(Policy.builder("user:*").rateLimit(5, Duration.ofMinutes(1)).build(), "admin", "t");
    sweepThenCount(0);
  }

  @Test
  void aSweptCounterIsLookedUpAgainInAPlanOfSeveralLimits() {
    quota.admin().putPolicy(Policy.builder("user:*").rateLimit(5, Duration.ofMinutes(1)).build(), "admin", "t");
    quota.admin().putPolicy(Policy.builder("team:*").rateLimit(100, Duration.ofHours(1)).build(), "admin", "t");
    sweepThenCount(1); // the team's hourly window still holds 3 and stays
  }

  private void sweepThenCount(int countersLeft) {
    PreparedRequest p = quota.prepare(request);
    assertThat(acquired(p, 3)).isEqualTo(3);
    clock.advance(Duration.ofMinutes(2));
    store.sweep(); // the user's window is empty: dropped from the store
    assertThat(store.counterCount()).isEqualTo(countersLeft);
    assertThat(acquired(p, 3)).isEqualTo(3);
    // Had the prepared plan kept counting on the dropped window, reserve would see 0 used and admit 5.
    assertThat(reserved(5)).isEqualTo(2);
    assertThat(acquired(p, 1)).isZero();
  }

  @Test
  void aResetSubjectStartsFromZeroOnBothPaths() {
    quota.admin().putPolicy(Policy.builder("team:*").rateLimit(4, Duration.ofHours(1)).build(), "admin", "t");
    PreparedRequest p = quota.prepare(request);
    assertThat(acquired(p, 10)).isEqualTo(4);
    quota.admin().resetSubject(Subject.of("team", "t"), "admin", "new quarter");
    assertThat(acquired(p, 1)).isEqualTo(1);
    assertThat(reserved(10)).isEqualTo(3);
    assertThat(quota.usage(Subject.of("team", "t")).get(0).used()).isEqualTo(4);
  }

  @Test
  void manyThreadsOnOnePreparedRequestAndReserveAdmitExactlyTheLimits() throws Exception {
    quota.admin().putPolicy(Policy.builder("user:*").rateLimit(3_000, Duration.ofHours(1)).build(), "admin", "t");
    quota.admin().putPolicy(Policy.builder("team:*").rateLimit(5_000, Duration.ofHours(1))
        .budget(Budget.of("USD", Money.of("40"), null, null)).build(), "admin", "t");
    QuotaRequest costly = QuotaRequest.builder().user("u").team("t").estimatedCost("0.01").build();
    PreparedRequest p = quota.prepare(costly);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Callable<Integer>> work = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        boolean prepared = t < 3;
        work.add(() -> {
          int n = 0;
          for (int i = 0; i < 2_000; i++) {
            if (prepared ? p.tryAcquire() : quota.reserve(costly).admitted()) {
              n++;
            }
          }
          return n;
        });
      }
      int admitted = 0;
      for (Future<Integer> f : pool.invokeAll(work)) {
        admitted += f.get();
      }
      // The user's 3,000 per hour binds first: $40 would allow 4,000 at $0.01.
      assertThat(admitted).isEqualTo(3_000);
      assertThat(quota.usage(Subject.of("user", "u")).get(0).used()).isEqualTo(3_000);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * A prepared budget keeps its period and its lowest alert level beside the other ops' figures: it
   * must still refuse outside the period, and fire each level (and the limit) once, as it is crossed.
   */
  @Test
  void aPreparedBudgetHoldsOnlyInItsPeriodAndFiresEachLevelOnceAsItIsCrossed() {
    long start = clock.millis() + 1_000;
    long end = start + 60_000;
    String subject = CounterKeys.subjectOf(Subject.of("user", "b"));
    RateLimit rate = RateLimit.perWindow(1_000, Duration.ofMinutes(1));
    CounterOp[] ops = {
      new RateOp(CounterKeys.rate(subject, rate), true, "r", rate, 1),
      // levels 30 and 120 around a limit of 100: the limit fires below the higher level
      new BudgetOp(CounterKeys.budget(subject, "USD", "daily", start), true, "b", 100, 40, start, end, new long[] {30, 120}),
      // no levels: only reaching its limit fires
      new BudgetOp(CounterKeys.budget(subject, "USD", "monthly", start), true, "m", 120, 40, start, end, new long[0]),
    };
    PreparedOps prepared = store.prepare(ops);
    int[] fired = new int[ops.length];
    long[] used = new long[ops.length];

    assertThat(prepared.tryConsume(fired, used)).as("before the period").isEqualTo(PreparedOps.NEEDS_PLAN);
    clock.advance(Duration.ofMillis(1_000));
    assertThat(prepared.tryConsume(fired, used)).isEqualTo(PreparedOps.ADMITTED);
    assertThat(fired).containsExactly(0, 1, 0); // 40 crosses 30
    assertThat(used).containsExactly(0, 40, 40);
    assertThat(prepared.tryConsume(fired, used)).isEqualTo(PreparedOps.ADMITTED);
    assertThat(fired).as("30 fired already").containsExactly(0, 0, 0);
    assertThat(prepared.tryConsume(fired, used)).as("120 > 100").isEqualTo(PreparedOps.DENIED);

    clock.advance(Duration.ofMillis(59_999)); // the period's last millisecond
    PreparedOps exact = store.prepare(new CounterOp[] {ops[0],
        new BudgetOp(ops[1].key(), true, "b", 100, 20, start, end, new long[] {30, 120}), ops[2]});
    assertThat(exact.tryConsume(fired, used)).isEqualTo(PreparedOps.ADMITTED);
    assertThat(fired).as("the limits, reached exactly").containsExactly(0, OpResult.EXHAUSTED_BIT, OpResult.EXHAUSTED_BIT);
    assertThat(used).containsExactly(0, 100, 120);
    clock.advance(Duration.ofMillis(1)); // the period has ended
    assertThat(prepared.tryConsume(fired, used)).isEqualTo(PreparedOps.NEEDS_PLAN);
  }

  @Test
  void distinctStripesComeAscendingWithoutRepeats() {
    int[] s = StripeLocks.stripesOf("a", "b", "a", "c", "b");
    assertThat(s).isSorted().doesNotHaveDuplicates().hasSize(3);
  }

  @Test
  void aSubjectsCountersShareOneStripe() {
    int[] s = StripeLocks.stripesOf(
        CounterKeys.named("user:u", "r/a"), CounterKeys.named("user:u", "r/b"),
        CounterKeys.budget("user:u", "USD", "day", 0), CounterKeys.concurrency("user:u"));
    assertThat(s).hasSize(1);
  }
}
