package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.plan.BudgetOp;
import dev.quota.plan.CaughtUp;
import dev.quota.plan.CounterKey;
import dev.quota.plan.Holding;
import dev.quota.plan.Plan;
import dev.quota.plan.PlanResult;
import dev.quota.plan.SettleResult;
import dev.quota.plan.Settlement;
import dev.quota.store.MemoryStore;
import dev.quota.store.Store;
import dev.quota.store.conformance.MutableClock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link QuotaGuard#callAsync} with a store that answers on its own I/O thread, when the test lets
 * it, as the Redis store answers when its reply arrives: the caller's thread never waits for the
 * reservation, and neither the call nor its commit runs on the store's thread.
 */
class AsyncGuardedCallTest {
  private static final String IO_THREAD = "store-io";
  private final MutableClock clock = Fixtures.clock();
  private final ExecutorService io = Executors.newSingleThreadExecutor(r -> new Thread(r, IO_THREAD));
  private final LaterStore store = new LaterStore(new MemoryStore(clock));
  private final Quota quota = Quota.builder().clock(clock).store(store).build();
  private final QuotaGuard guard = new QuotaGuard(quota);

  AsyncGuardedCallTest() {
    quota.admin().putPolicy(
        Policy.builder("user:*").concurrency(1).budget(Budget.of("USD", Money.of("1"), null, null)).build(), ADMIN, "t");
  }

  @AfterEach
  void stop() {
    io.shutdownNow();
    quota.close();
  }

  /** The daily budget's spend and the slots in use, in that order. */
  private List<LimitStatus> usage() {
    return quota.usage(Subject.of("user", "u"));
  }

  @Test
  void theCallerDoesNotWaitForTheReservationAndTheCallStartsOffTheStoresThread() throws Exception {
    AtomicReference<String> startedOn = new AtomicReference<>();
    CompletableFuture<String> call = new CompletableFuture<>();

    CompletableFuture<String> guarded = guard.callAsync(Fixtures.userCost("u", "0.3"), () -> {
      startedOn.set(Thread.currentThread().getName());
      return call;
    }, r -> QuotaGuard.Usage.of(Money.of("0.2")));

    assertThat(guarded).as("returned before the store answered").isNotDone();
    assertThat(startedOn).as("not started before it was admitted").hasNullValue();

    store.answerNext();
    assertThat(Fixtures.eventually(() -> startedOn.get() != null)).isTrue();
    assertThat(startedOn.get()).isNotEqualTo(IO_THREAD);
    assertThat(usage().get(1).used()).as("slot held while the call runs").isEqualTo(1);

    call.complete("done");
    assertThat(guarded.get(10, TimeUnit.SECONDS)).isEqualTo("done");
    assertThat(usage().get(0).usedAmount()).isEqualByComparingTo("0.2");
    assertThat(usage().get(1).used()).as("slot returned").isZero();
  }

  @Test
  void aCallCancelledWhileTheStoreDecidesNeverStartsAndItsReservationGoesBack() throws Exception {
    AtomicReference<String> startedOn = new AtomicReference<>();
    CompletableFuture<String> guarded = guard.callAsync(Fixtures.userCost("u", "0.3"), () -> {
      startedOn.set(Thread.currentThread().getName());
      return CompletableFuture.completedFuture("ran");
    }, r -> QuotaGuard.Usage.of(Money.of("0.3")));

    guarded.cancel(true);
    store.answerNext();

    assertThat(Fixtures.eventually(() -> usage().get(1).used() == 0 && store.settled() == 1)).as("reservation released").isTrue();
    assertThat(startedOn).hasNullValue();
    assertThat(usage().get(0).usedAmount()).isEqualByComparingTo("0");
  }

  @Test
  void aDenialAnsweredLaterFailsTheCallUnstarted() {
    CompletableFuture<String> holder = new CompletableFuture<>();
    CompletableFuture<String> first =
        guard.callAsync(Fixtures.userCost("u", "0.1"), () -> holder, r -> QuotaGuard.Usage.of(Money.ZERO));
    store.answerNext();
    assertThat(Fixtures.eventually(() -> usage().get(1).used() == 1)).isTrue();

    AtomicReference<String> startedOn = new AtomicReference<>();
    CompletableFuture<String> second = guard.callAsync(Fixtures.userCost("u", "0.1"), () -> {
      startedOn.set(Thread.currentThread().getName());
      return CompletableFuture.completedFuture("ran");
    }, r -> QuotaGuard.Usage.of(Money.ZERO));
    store.answerNext();

    assertThatThrownBy(() -> second.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(QuotaExceededException.class);
    assertThat(startedOn).hasNullValue();
    holder.complete("done");
    assertThat(first).succeedsWithin(java.time.Duration.ofSeconds(10));
  }

  /**
   * Answers asynchronous decisions on its I/O thread when the test says so. A synchronous
   * reservation on the test's thread fails the test: a caller that asked asynchronously must not
   * wait for one.
   */
  private final class LaterStore implements Store {
    private final MemoryStore counters;
    private final ConcurrentLinkedQueue<Runnable> waiting = new ConcurrentLinkedQueue<>();
    private volatile int settled;
    private final Thread caller = Thread.currentThread();

    LaterStore(MemoryStore counters) {
      this.counters = counters;
    }

    /** Applies the oldest plan still waiting, on the I/O thread. */
    void answerNext() {
      Runnable next = waiting.poll();
      assertThat(next).as("a decision waiting for the store").isNotNull();
      io.execute(next);
    }

    int settled() {
      return settled;
    }

    @Override
    public CompletionStage<PlanResult> applyAsync(Plan plan) {
      CompletableFuture<PlanResult> answer = new CompletableFuture<>();
      waiting.add(() -> answer.complete(counters.apply(plan)));
      return answer;
    }

    @Override
    public PlanResult apply(Plan plan) {
      if (plan.kind() == Plan.Kind.RESERVE && Thread.currentThread() == caller) {
        throw new AssertionError("a guarded asynchronous call waited for its reservation");
      }
      // The test's reads of usage, and a reservation's second attempt, which the engine makes on
      // its own executor after the first found the budget to be seeded from the ledger.
      return counters.apply(plan);
    }

    @Override
    public SettleResult settle(Settlement settlement) {
      assertThat(Thread.currentThread().getName()).as("a settlement off the store's I/O thread").isNotEqualTo(IO_THREAD);
      SettleResult r = counters.settle(settlement);
      settled++;
      return r;
    }

    @Override
    public Optional<Holding> holding(String reservationId) {
      return counters.holding(reservationId);
    }

    @Override
    public void seed(
        CounterKey key, long nanos, long periodEndMs, int firedThresholds, long missingAtMs, long alertedUpTo) {
      counters.seed(key, nanos, periodEndMs, firedThresholds, missingAtMs, alertedUpTo);
    }

    @Override
    public CaughtUp catchUp(BudgetOp op, long nanos, long touchedMs) {
      return counters.catchUp(op, nanos, touchedMs);
    }

    @Override
    public void reset(String subject) {
      counters.reset(subject);
    }
  }
}
