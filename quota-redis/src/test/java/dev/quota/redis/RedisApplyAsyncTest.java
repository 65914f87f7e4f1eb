package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.quota.RateLimit;
import dev.quota.StoreUnavailableException;
import dev.quota.plan.BudgetOp;
import dev.quota.plan.CounterKeys;
import dev.quota.plan.CounterOp;
import dev.quota.plan.Plan;
import dev.quota.plan.PlanResult;
import dev.quota.plan.RateOp;
import io.lettuce.core.FlushMode;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code applyAsync} on a single node, with decisions sharing calls and (calls = 0) each sent on its
 * own: the answers {@code apply} gives, a stage that fails rather than making anyone wait, and
 * nothing that blocks the thread completing the stages. Each test has a private redis-server.
 */
class RedisApplyAsyncTest {
  private RedisServerProcess server;
  private final List<RedisStore> stores = new ArrayList<>();
  private long start;
  private long end;

  @BeforeEach
  void start() throws Exception {
    server = new RedisServerProcess();
  }

  @AfterEach
  void stop() throws Exception {
    for (RedisStore s : stores) {
      s.close();
    }
    server.close();
  }

  private RedisStore store(String prefix, int calls, Duration timeout) {
    RedisStore s = RedisStore.builder().uri(server.uri()).prefix(prefix).timeout(timeout).batching(calls, 64).build();
    stores.add(s);
    long now = s.nowMs(); // connects and loads the function library
    start = now - 60_000;
    end = now + 3_600_000;
    return s;
  }

  private BudgetOp budget(String subject, long limit, long amount, long... thresholds) {
    return new BudgetOp(CounterKeys.budget(subject, "USD", "day", start), true, "b", limit, amount, start, end, thresholds);
  }

  private static RateOp rate(String subject, long limit) {
    RateLimit perMinute = RateLimit.perWindow(limit, Duration.ofMinutes(1));
    return new RateOp(CounterKeys.rate(subject, perMinute), true, "sw", perMinute, 1);
  }

  private static Plan record(CounterOp... ops) {
    return new Plan(Plan.Kind.RECORD, List.of(ops), null, 0, null, "fp", null, false);
  }

  private static Plan check(CounterOp... ops) {
    return new Plan(Plan.Kind.CHECK, List.of(ops), null, 0, null, "fp", null, false);
  }

  private static Plan reserve(String id, String idempotencyKey, String fingerprint, CounterOp... ops) {
    return new Plan(Plan.Kind.RESERVE, List.of(ops), id, 60_000, idempotencyKey, fingerprint, "payload", false);
  }

  private static PlanResult answer(CompletableFuture<PlanResult> stage) throws Exception {
    return stage.get(10, TimeUnit.SECONDS);
  }

  private static Throwable failure(CompletableFuture<PlanResult> stage) {
    Throwable thrown = catchThrowable(() -> stage.get(10, TimeUnit.SECONDS));
    assertThat(thrown).isInstanceOf(ExecutionException.class);
    return thrown.getCause();
  }

  /** Everything but the clock readings, which differ between two calls. */
  private static void assertSameAnswer(PlanResult async, PlanResult sync) {
    assertThat(async.status()).isEqualTo(sync.status());
    assertThat(async.admitted()).isEqualTo(sync.admitted());
    assertThat(async.seedIndices()).isEqualTo(sync.seedIndices());
    assertThat(async.reservationId()).isEqualTo(sync.reservationId());
    if (sync.expiresAtMs() == 0) {
      assertThat(async.expiresAtMs()).isZero();
    } else {
      assertThat(async.expiresAtMs() - async.nowMs()).isEqualTo(sync.expiresAtMs() - sync.nowMs());
    }
    assertThat(async.results()).hasSameSizeAs(sync.results());
    for (int i = 0; i < sync.results().size(); i++) {
      assertThat(async.results().get(i).allowed()).isEqualTo(sync.results().get(i).allowed());
      assertThat(async.results().get(i).used()).isEqualTo(sync.results().get(i).used());
      assertThat(async.results().get(i).firedThresholds()).isEqualTo(sync.results().get(i).firedThresholds());
    }
  }

  @ParameterizedTest(name = "calls = {0}")
  @ValueSource(ints = {2, 0})
  void everyKindOfAnswerIsTheOneApplyGives(int calls) throws Exception {
    RedisStore sync = store("sync:", 2, Duration.ofSeconds(5));
    RedisStore async = store("async:", calls, Duration.ofSeconds(5));
    long now = sync.nowMs();
    BudgetOp ended = new BudgetOp(CounterKeys.budget("user:old", "USD", "day", now - 7_200_000), true, "b", 100, 5,
        now - 7_200_000, now - 3_600_000, new long[0]);
    List<Plan> plans = List.of(
        record(rate("user:a", 2)),
        record(rate("user:a", 2)),
        reserve("r-denied", null, "fp", rate("user:a", 2)), // the window is full
        reserve("r-held", null, "fp", rate("user:b", 5), budget("user:b", 100, 30, 20)),
        reserve("r-first", "k1", "fp", rate("user:c", 5), budget("user:c", 100, 40)),
        reserve("r-again", "k1", "fp", rate("user:c", 5), budget("user:c", 100, 40)), // replayed
        reserve("r-other", "k1", "other", rate("user:c", 5), budget("user:c", 100, 40)), // conflict
        record(rate("user:old", 10), ended),
        check(rate("user:a", 2), budget("user:b", 100, 0), budget("user:c", 100, 0)));
    Set<PlanResult.Status> seen = EnumSet.noneOf(PlanResult.Status.class);
    int denied = 0;
    for (Plan plan : plans) {
      PlanResult expected = sync.apply(plan);
      assertSameAnswer(answer(async.applyAsync(plan)), expected);
      seen.add(expected.status());
      denied += expected.status() == PlanResult.Status.APPLIED && !expected.admitted() ? 1 : 0;
    }
    assertThat(denied).isEqualTo(2); // the reservation on the full window, and the check of it

    // everything lost, the function library too: the async decision goes first, so it loads the library
    RedisCommands<String, String> redis = server.admin();
    redis.flushall();
    redis.functionFlush(FlushMode.SYNC);
    Plan seeded = new Plan(Plan.Kind.RECORD, List.of(rate("user:s", 10), budget("user:s", 100, 5)), null, 0, null, "fp",
        null, true);
    PlanResult needsSeed = answer(async.applyAsync(seeded));
    assertThat(needsSeed.status()).isEqualTo(PlanResult.Status.NEEDS_SEED);
    assertThat(needsSeed.seedIndices()).containsExactly(1);
    assertSameAnswer(needsSeed, sync.apply(seeded));
    seen.add(needsSeed.status());

    assertThat(seen).containsExactlyInAnyOrder(PlanResult.Status.APPLIED, PlanResult.Status.REPLAYED,
        PlanResult.Status.CONFLICT, PlanResult.Status.PERIOD_MISMATCH, PlanResult.Status.NEEDS_SEED);
    assertThat(redis.functionList()).hasSize(1);
  }

  @Test
  void aFailureIsTheOneApplyThrows() throws Exception {
    RedisStore sync = store("sync:", 2, Duration.ofSeconds(5));
    RedisStore async = store("async:", 2, Duration.ofSeconds(5));
    Plan broken = record(budget("user:broken", 100, 1));
    // the budget's key, overwritten by something other than the store: Redis refuses to read it
    for (RedisStore s : List.of(sync, async)) {
      server.admin().set(s.keys().counter(broken.ops().get(0).key()), "not a counter");
    }

    Throwable expected = catchThrowable(() -> sync.apply(broken));
    Throwable thrown = failure(async.applyAsync(broken));

    assertThat(expected).isInstanceOf(IllegalStateException.class).hasMessageContaining("WRONGTYPE");
    assertThat(thrown).isInstanceOf(IllegalStateException.class).hasMessage(expected.getMessage());
  }

  @Test
  void asyncDecisionsQueuedWhenTheLibraryIsGoneAreEachAppliedOnceAndLoadItOnce() throws Exception {
    RedisStore store = store("q:", 1, Duration.ofSeconds(10));
    RedisCommands<String, String> redis = server.admin();
    redis.functionFlush(FlushMode.SYNC);
    long loadsBefore = CommandStats.calls(redis).getOrDefault("function|load", 0L);
    // writes (and so every call of the library) wait, while this connection may still unpause
    client(redis, "PAUSE", "60000", "WRITE");
    List<CompletableFuture<PlanResult>> stages = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      stages.add(store.applyAsync(record(rate("user:flushed", 100))));
    }
    while (store.batcher().queued() < 19) {
      Thread.onSpinWait();
    }
    assertThat(stages).noneMatch(CompletableFuture::isDone); // nobody waited: the stages came back at once
    client(redis, "UNPAUSE");

    for (CompletableFuture<PlanResult> stage : stages) {
      assertThat(answer(stage).admitted()).isTrue();
    }
    assertThat(store.apply(check(rate("user:flushed", 100))).results().get(0).used()).isEqualTo(20);
    // the decisions that found the library missing meanwhile shared one load
    assertThat(CommandStats.calls(redis).get("function|load") - loadsBefore).isEqualTo(1);
  }

  @ParameterizedTest(name = "calls = {0}")
  @ValueSource(ints = {2, 0})
  void aStoppedServerFailsTheStageAtOnceAndARestartedOneAnswersAgain(int calls) throws Exception {
    // A timeout far longer than the bounds below: failing "at once" must not mean waiting it out.
    RedisStore store = store("down:", calls, Duration.ofSeconds(30));
    assertThat(answer(store.applyAsync(record(rate("user:d", 10)))).admitted()).isTrue();
    server.stop();

    long t0 = System.nanoTime();
    CompletableFuture<PlanResult> first = store.applyAsync(record(rate("user:d", 10)));
    CompletableFuture<PlanResult> second = store.applyAsync(record(rate("user:d", 10)));
    Duration returned = Duration.ofNanos(System.nanoTime() - t0);

    assertThat(failure(first)).isInstanceOf(StoreUnavailableException.class);
    assertThat(failure(second)).isInstanceOf(StoreUnavailableException.class);
    // Refused connections, not the timeout; the bounds leave room for a busy machine's scheduling.
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
    assertThat(returned).isLessThan(Duration.ofSeconds(10));

    server.start();
    // a restarted server without persistence: opened again, the library loaded again, the counter new
    assertThat(answer(store.applyAsync(record(rate("user:d", 10)))).results().get(0).used()).isEqualTo(1);
  }

  @ParameterizedTest(name = "calls = {0}")
  @ValueSource(ints = {1, 0})
  void aServerThatDoesNotAnswerFailsEveryStageWithinTheTimeoutAndNoCallerWaits(int calls) throws Exception {
    // Long enough that a caller descheduled on a busy machine still finds its stage waiting.
    RedisStore store = store("slow:", calls, Duration.ofSeconds(1));
    RedisCommands<String, String> redis = server.admin();
    client(redis, "PAUSE", "30000", "WRITE");
    try {
      long t0 = System.nanoTime();
      List<CompletableFuture<PlanResult>> stages = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        CompletableFuture<PlanResult> stage = store.applyAsync(record(rate("user:slow", 100)));
        assertThat(stage).isNotDone();
        stages.add(stage);
      }
      for (CompletableFuture<PlanResult> stage : stages) {
        assertThat(failure(stage)).isInstanceOf(StoreUnavailableException.class).hasMessageContaining("1000 ms");
      }
      // 1 s plus scheduling slack on a busy machine, far below the pause
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
    } finally {
      client(redis, "UNPAUSE");
    }
    assertThat(answer(store.applyAsync(record(rate("user:slow", 100)))).status()).isEqualTo(PlanResult.Status.APPLIED);
  }

  @Test
  void aQueuedDecisionWhoseStageIsAlreadyCompleteIsNeverSent() throws Exception {
    // a stage completes early when its time is up or its caller cancels it: both leave it unsent
    RedisStore store = store("cancel:", 1, Duration.ofSeconds(10));
    RedisCommands<String, String> redis = server.admin();
    client(redis, "PAUSE", "60000", "WRITE");
    List<CompletableFuture<PlanResult>> stages = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      stages.add(store.applyAsync(record(rate("user:c", 100))));
    }
    while (store.batcher().queued() < 9) {
      Thread.onSpinWait();
    }
    for (CompletableFuture<PlanResult> queued : stages.subList(1, 10)) {
      assertThat(queued.cancel(false)).isTrue();
    }
    client(redis, "UNPAUSE");

    assertThat(answer(stages.get(0)).results().get(0).used()).isEqualTo(1);
    assertThat(answer(store.applyAsync(record(rate("user:c", 100)))).results().get(0).used()).isEqualTo(2);
    assertThat(store.batcher().queued()).isZero();
  }

  @Test
  void onlyDecisionsWaitingBehindTheCallsInFlightSetATimerAndTheirTimersGoWhenAnswered() throws Exception {
    RedisStore store = store("timer:", 1, Duration.ofSeconds(10));
    assertThat(answer(store.applyAsync(record(rate("user:t", 100)))).admitted()).isTrue();
    assertThat(store.deadlinesPending()).isZero(); // a lone decision is bounded by its command's timeout

    RedisCommands<String, String> redis = server.admin();
    client(redis, "PAUSE", "60000", "WRITE");
    List<CompletableFuture<PlanResult>> stages = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      stages.add(store.applyAsync(record(rate("user:t", 100))));
    }
    assertThat(store.batcher().queued()).isEqualTo(4);
    assertThat(store.deadlinesPending()).isEqualTo(4); // the first left at once
    client(redis, "UNPAUSE");

    for (CompletableFuture<PlanResult> stage : stages) {
      assertThat(answer(stage).admitted()).isTrue();
    }
    assertThat(store.deadlinesPending()).isZero();
  }

  @ParameterizedTest(name = "calls = {0}")
  @ValueSource(ints = {2, 0})
  void decisionsChainedOnTheThreadsThatAnswerThemExhaustALimitExactly(int calls) throws Exception {
    RedisStore store = store("chain:", calls, Duration.ofSeconds(5));
    int decisions = 300;
    long limit = 100;
    List<CompletableFuture<PlanResult>> chained = new ArrayList<>();
    for (int i = 0; i < decisions; i++) {
      Plan plan = reserve("r" + i, null, "fp", rate("user:hot", limit), budget("user:hot", 4 * limit, 4));
      // each answer makes a further decision from the thread that completed it: were anything in
      // applyAsync to wait for Redis there, the replies it waits for could never be read
      chained.add(store.applyAsync(plan).thenCompose(first -> store.applyAsync(first.admitted()
          ? record(rate("user:admitted", 10 * decisions))
          : record(rate("user:denied", 10 * decisions)))));
    }
    CompletableFuture.allOf(chained.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

    assertThat(store.apply(check(rate("user:hot", limit))).results().get(0).used()).isEqualTo(limit);
    assertThat(store.apply(check(budget("user:hot", 4 * limit, 0))).results().get(0).used()).isEqualTo(4 * limit);
    assertThat(store.apply(check(rate("user:admitted", 10 * decisions))).results().get(0).used()).isEqualTo(limit);
    assertThat(store.apply(check(rate("user:denied", 10 * decisions))).results().get(0).used())
        .isEqualTo(decisions - limit);
  }

  private static void client(RedisCommands<String, String> redis, String... args) {
    redis.dispatch(CommandType.CLIENT, new StatusOutput<>(StringCodec.UTF8), new CommandArgs<>(StringCodec.UTF8).addValues(args));
  }
}
