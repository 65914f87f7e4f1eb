package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.admin.MemoryConfigRepository;
import dev.quota.alert.Alert;
import dev.quota.alert.AlertHistory;
import dev.quota.alert.AlertPosition;
import dev.quota.alert.MemoryAlertHistory;
import dev.quota.ledger.ForwardingLedger;
import dev.quota.ledger.MemoryLedger;
import dev.quota.ledger.UsageLedger;
import dev.quota.plan.CounterKey;
import dev.quota.plan.Plan;
import dev.quota.plan.PlanResult;
import dev.quota.plan.SettleResult;
import dev.quota.plan.Settlement;
import dev.quota.store.MemoryStore;
import dev.quota.store.Store;
import dev.quota.store.conformance.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Quota#checkAsync} and {@link Quota#reserveAsync} against a store that answers on its own
 * I/O thread, as the Redis store does: the same decisions as the synchronous calls, and nothing that
 * may block (the ledger, the alert history) ever runs on that thread.
 */
class AsyncDecisionTest {
  private static final String IO_THREAD = "store-io";
  private final MutableClock clock = Fixtures.clock();
  private final ExecutorService io =
      Executors.newSingleThreadExecutor(r -> new Thread(r, IO_THREAD));
  /** Names of the threads that called anything that may block. */
  private final Set<String> blockingCallers = ConcurrentHashMap.newKeySet();

  @AfterEach
  void stopIo() {
    io.shutdownNow();
  }

  @Test
  void asyncDecisionsAreTheSynchronousOnesOnATwinEngine() throws Exception {
    MutableClock twinClock = Fixtures.clock();
    Quota async = Quota.builder().clock(clock).store(new RemoteStore(new MemoryStore(clock))).build();
    Quota sync = Quota.builder().clock(twinClock).build();
    for (Quota q : List.of(async, sync)) {
      q.admin().putPolicy(
          Policy.builder("user:*").rateLimit(3, Duration.ofMinutes(1)).concurrency(2)
              .budget(Budget.of("USD", Money.of("1"), null, null)).build(), ADMIN, "t");
      q.admin().putPolicy(Policy.builder("team:*").rateLimit(5, Duration.ofMinutes(1)).build(), ADMIN, "t");
    }
    Random random = new Random(7);
    int admitted = 0;
    int denied = 0;
    for (int i = 0; i < 200; i++) {
      QuotaRequest r = QuotaRequest.builder()
          .user("u" + random.nextInt(3)).team("t" + random.nextInt(2))
          .estimatedCost(Money.ofNanos(random.nextInt(400_000_000))).build();
      boolean reserve = random.nextBoolean();
      Decision a = get(reserve ? async.reserveAsync(r) : async.checkAsync(r));
      Decision s = reserve ? sync.reserve(r) : sync.check(r);
      assertThat(a.admitted()).as("step %d", i).isEqualTo(s.admitted());
      assertThat(a.limits()).as("step %d", i).isEqualTo(s.limits());
      assertThat(a.retryAt()).isEqualTo(s.retryAt());
      assertThat(a.expiresAt()).isEqualTo(s.expiresAt());
      assertThat(a.reservationId() != null).isEqualTo(s.reservationId() != null);
      if (a.reservationId() != null && random.nextBoolean()) {
        async.release(a.reservationId());
        sync.release(s.reservationId());
      }
      if (a.admitted()) {
        admitted++;
      } else {
        denied++;
      }
      Duration step = Duration.ofMillis(random.nextInt(8_000));
      clock.advance(step);
      twinClock.advance(step);
    }
    assertThat(admitted).isPositive();
    assertThat(denied).isPositive();
  }

  @Test
  void aLostBudgetIsSeededFromTheLedgerOffTheStoresThread() throws Exception {
    MemoryConfigRepository config = new MemoryConfigRepository();
    UsageLedger ledger = new WatchedLedger(new MemoryLedger());
    Quota before = Quota.builder().clock(clock).config(config).ledger(ledger).build();
    before.admin().putPolicy(
        Policy.builder("user:*").budget(Budget.of("USD", Money.of("1"), null, null)).build(), ADMIN, "t");
    Decision d = before.reserve(Fixtures.userCost("u", "0.7"));
    before.commit(d.reservationId(), Money.of("0.7"), Map.of());
    blockingCallers.clear();
    // A new process: fresh counters that answer on their own thread, the same durable ledger.
    Quota after = Quota.builder().clock(clock).config(config).ledger(ledger)
        .store(new RemoteStore(new MemoryStore(clock))).build();

    assertThat(get(after.reserveAsync(Fixtures.userCost("u", "0.31"))).admitted()).isFalse();
    assertThat(get(after.reserveAsync(Fixtures.userCost("u", "0.30"))).admitted()).isTrue();
    assertThat(blockingCallers).isNotEmpty().doesNotContain(IO_THREAD);
  }

  @Test
  void aStoreInTheNextBudgetPeriodIsAskedAgainAtItsOwnTime() throws Exception {
    // The engine's clock is still on the 30th; the store's is already on the 1st of July.
    MutableClock engineClock = new MutableClock(Instant.parse("2026-06-30T23:59:59.900Z"));
    MutableClock storeClock = new MutableClock(Instant.parse("2026-07-01T00:00:00.100Z"));
    MemoryStore counters = new MemoryStore(storeClock);
    Quota q = Quota.builder().clock(engineClock).store(new RemoteStore(counters)).build();
    q.admin().putPolicy(
        Policy.builder("user:*").budget(Budget.of("USD", Money.of("1"), null, null)).build(), ADMIN, "t");

    Decision d = get(q.reserveAsync(Fixtures.userCost("u", "0.6")));

    assertThat(d.admitted()).isTrue();
    LimitStatus daily = d.limits().get(0);
    assertThat(daily.resetAt()).isEqualTo(Instant.parse("2026-07-02T00:00:00Z"));
    assertThat(daily.usedAmount()).isEqualByComparingTo("0.6");
  }

  @Test
  void thresholdAlertsAreRecordedOffTheStoresThread() throws Exception {
    List<Alert> recorded = new ArrayList<>();
    AlertHistory history = new AlertHistory() {
      private final MemoryAlertHistory kept = new MemoryAlertHistory();

      @Override
      public void append(Alert alert) {
        blockingCallers.add(Thread.currentThread().getName());
        synchronized (recorded) {
          recorded.add(alert);
        }
        kept.append(alert);
      }

      @Override
      public List<Alert> query(String subject, String policy, Instant from, Instant to, int offset, int limit) {
        return kept.query(subject, policy, from, to, offset, limit);
      }

      @Override
      public List<Alert> queryAfter(String subject, String policy, Instant from, Instant to, AlertPosition after, int limit) {
        return kept.queryAfter(subject, policy, from, to, after, limit);
      }
    };
    Quota q = Quota.builder().clock(clock).alertHistory(history)
        .store(new RemoteStore(new MemoryStore(clock))).build();
    q.admin().putPolicy(
        Policy.builder("user:*").budget(Budget.of("USD", Money.of("1"), null, null)).build(), ADMIN, "t");

    assertThat(get(q.reserveAsync(Fixtures.userCost("u", "0.5"))).admitted()).isTrue();
    assertThat(recorded).isEmpty();
    assertThat(get(q.reserveAsync(Fixtures.userCost("u", "0.35"))).admitted()).isTrue();

    assertThat(q.drainAlerts(Duration.ofSeconds(10))).isTrue();
    assertThat(recorded).hasSize(1);
    assertThat(recorded.get(0).threshold()).isEqualByComparingTo("0.8");
    assertThat(blockingCallers).isNotEmpty().doesNotContain(IO_THREAD);
  }

  @Test
  void workTheExecutorRefusesFailsTheStageInsteadOfLeavingItOpen() throws Exception {
    Quota q = Quota.builder().clock(clock).store(new RemoteStore(new MemoryStore(clock)))
        .executor(task -> {
          throw new java.util.concurrent.RejectedExecutionException("shut down");
        }).build();
    q.admin().putPolicy(
        Policy.builder("user:*").budget(Budget.of("USD", Money.of("1"), null, null)).build(), ADMIN, "t");

    // Crossing 80% records an alert, which is work for the executor.
    CompletionStage<Decision> crossing = q.reserveAsync(Fixtures.userCost("u", "0.9"));

    assertThatThrownBy(() -> get(crossing))
        .hasCauseInstanceOf(java.util.concurrent.RejectedExecutionException.class);
  }

  @Test
  void anUnavailableStoreFailsOpenOnlyWhereEveryPolicyAllowsIt() throws Exception {
    RemoteStore store = new RemoteStore(new MemoryStore(clock));
    AtomicInteger storeErrors = new AtomicInteger();
    Quota q = Quota.builder().clock(clock).store(store).listener(new QuotaListener() {
      @Override
      public void onStoreError(Throwable error) {
        storeErrors.incrementAndGet();
      }
    }).build();
    q.admin().putPolicy(
        Policy.builder("user:*").rateLimit(1, Duration.ofMinutes(1)).failMode(FailMode.OPEN).build(), ADMIN, "t");
    q.admin().putPolicy(
        Policy.builder("team:*").budget(Budget.of("USD", Money.of("1"), null, null)).build(), ADMIN, "t");
    store.down = true;

    Decision open = get(q.reserveAsync(Fixtures.user("u")));
    assertThat(open.admitted()).isTrue();
    assertThat(open.failOpen()).isTrue();
    CompletionStage<Decision> closed = q.reserveAsync(QuotaRequest.builder().user("u").team("t").build());
    assertThatThrownBy(() -> get(closed)).hasCauseInstanceOf(StoreUnavailableException.class);
    assertThat(storeErrors).hasValue(2);
  }

  @Test
  void anIdempotencyKeyReusedForAnotherRequestFailsTheStage() throws Exception {
    Quota q = Quota.builder().clock(clock).store(new RemoteStore(new MemoryStore(clock))).build();
    q.admin().putPolicy(Policy.builder("user:*").rateLimit(5, Duration.ofMinutes(1)).build(), ADMIN, "t");
    QuotaRequest first = QuotaRequest.builder().user("u").idempotencyKey("k").build();
    QuotaRequest other = QuotaRequest.builder().user("v").idempotencyKey("k").build();

    Decision d = get(q.reserveAsync(first));
    Decision again = get(q.reserveAsync(first));

    assertThat(again.replayed()).isTrue();
    assertThat(again.reservationId()).isEqualTo(d.reservationId());
    assertThatThrownBy(() -> get(q.reserveAsync(other))).hasCauseInstanceOf(ConflictException.class);
  }

  @Test
  void aPerRequestCapRefusesWithTheCountersReported() throws Exception {
    Quota q = Quota.builder().clock(clock).store(new RemoteStore(new MemoryStore(clock))).build();
    q.admin().putPolicy(
        Policy.builder("user:*").budget(Budget.of("USD", Money.of("10"), null, Money.of("1"))).build(), ADMIN, "t");

    Decision d = get(q.reserveAsync(Fixtures.userCost("u", "1.5")));

    assertThat(d.admitted()).isFalse();
    assertThat(d.retryAt()).isNull();
    assertThat(d.denying()).extracting(LimitStatus::kind).containsExactly(LimitKind.BUDGET_PER_REQUEST);
    assertThat(q.usage(Subject.of("user", "u")).get(0).used()).isZero();
  }

  private static Decision get(CompletionStage<Decision> stage) throws Exception {
    return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** The real in-memory store, answering on an I/O thread of its own as a networked store does. */
  private final class RemoteStore implements Store {
    private final MemoryStore counters;
    volatile boolean down;

    RemoteStore(MemoryStore counters) {
      this.counters = counters;
    }

    @Override
    public CompletionStage<PlanResult> applyAsync(Plan plan) {
      return CompletableFuture.supplyAsync(() -> apply(plan), io);
    }

    @Override
    public PlanResult apply(Plan plan) {
      if (down) {
        throw new StoreUnavailableException("store down", null);
      }
      return counters.apply(plan);
    }

    @Override
    public java.util.Optional<dev.quota.plan.Holding> holding(String reservationId) {
      return counters.holding(reservationId);
    }

    @Override
    public SettleResult settle(Settlement settlement) {
      return counters.settle(settlement);
    }

    @Override
    public void seed(
        CounterKey key, long nanos, long periodEndMs, int firedThresholds, long missingAtMs, long alertedUpTo) {
      blockingCallers.add(Thread.currentThread().getName());
      counters.seed(key, nanos, periodEndMs, firedThresholds, missingAtMs, alertedUpTo);
    }

    @Override
    public dev.quota.plan.CaughtUp catchUp(dev.quota.plan.BudgetOp op, long nanos, long touchedMs) {
      blockingCallers.add(Thread.currentThread().getName());
      return counters.catchUp(op, nanos, touchedMs);
    }

    @Override
    public void reset(String subject) {
      counters.reset(subject);
    }
  }

  /** A ledger that notes which threads read it. */
  private final class WatchedLedger extends ForwardingLedger {
    WatchedLedger(UsageLedger ledger) {
      super(ledger);
    }

    @Override
    public MoneyTotal spent(Map<String, String> subjects, Instant from, Instant to) {
      blockingCallers.add(Thread.currentThread().getName());
      return super.spent(subjects, from, to);
    }

    @Override
    public MoneyTotal spent(Map<String, String> subjects, String currency, Instant from, Instant to) {
      blockingCallers.add(Thread.currentThread().getName());
      return super.spent(subjects, currency, from, to);
    }
  }
}
