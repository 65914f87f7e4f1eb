package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.RateLimit;
import dev.quota.plan.BudgetOp;
import dev.quota.plan.CounterKeys;
import dev.quota.plan.CounterOp;
import dev.quota.plan.Plan;
import dev.quota.plan.PlanResult;
import dev.quota.plan.RateOp;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Decisions made at the same time share calls, and each is still applied all or nothing on its own. */
class RedisBatchingTest {
  private static final long MAX = (1L << 53) - 1;
  private RedisServerProcess server;
  private RedisStore store;
  private RedisClient admin;
  private StatefulRedisConnection<String, String> adminConnection;
  private long start;
  private long end;

  @BeforeEach
  void start() throws Exception {
    server = new RedisServerProcess();
    store = RedisStore.builder().uri(server.uri()).timeout(Duration.ofSeconds(10)).batching(1, 64).build();
    admin = RedisClient.create(server.uri());
    adminConnection = admin.connect();
    long now = store.nowMs(); // connects and loads the function library
    start = now - 60_000;
    end = now + 3_600_000;
  }

  @AfterEach
  void stop() throws Exception {
    adminConnection.close();
    admin.shutdown();
    store.close();
    server.close();
  }

  private BudgetOp budget(String subject, long limit, long amount) {
    return new BudgetOp(CounterKeys.budget(subject, "USD", "day", start), true, "b", limit, amount, start, end, new long[0]);
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

  private ScriptCodec.Call call(Plan plan) {
    return new ScriptCodec(store.keys()).apply(plan, 0);
  }

  @Test
  void aDecisionThatFailsItsRangeCheckInABatchChangesNothingAndTheOthersApply() {
    store.apply(record(budget("user:full", MAX, MAX)));
    ScriptCodec.Call batch = DecisionBatcher.combine(List.of(
        call(record(rate("user:a", 10), budget("user:a", 100, 5))),
        // its rate op comes first and passes, then the budget would leave the exact range
        call(record(rate("user:b", 10), budget("user:full", MAX, 1))),
        call(record(rate("user:c", 10), budget("user:c", 100, 7)))));

    List<Object> replies = store.run(batch);

    assertThat(replies).hasSize(3);
    assertThat(ScriptCodec.planResult(list(replies.get(0))).results().get(1).used()).isEqualTo(5);
    assertThat(replies.get(1)).asString().startsWith("QUOTA_RANGE ");
    assertThat(ScriptCodec.planResult(list(replies.get(2))).results().get(1).used()).isEqualTo(7);
    assertThat(store.apply(check(rate("user:b", 10))).results().get(0).used()).isZero();
    assertThat(store.apply(check(budget("user:full", MAX, 0))).results().get(0).used()).isEqualTo(MAX);
    assertThat(store.apply(check(rate("user:a", 10))).results().get(0).used()).isEqualTo(1);
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object o) {
    return (List<Object>) o;
  }

  @Test
  void concurrentDecisionsExactlyExhaustALimitInSharedCallsAndOnlyTheOutOfRangeOneFails() throws Exception {
    store.apply(record(budget("user:full", MAX, MAX)));
    RedisCommands<String, String> redis = adminConnection.sync();
    long fcallsBefore = CommandStats.calls(redis).getOrDefault("fcall", 0L);
    int deciders = 40;
    long limit = 25;
    // Redis holds every call for a while (CLIENT UNPAUSE would wait out the pause too), long enough
    // for all deciders to wait: one call in flight, the rest queued behind it
    redis.clientPause(5_000);
    ExecutorService pool = Executors.newFixedThreadPool(deciders + 1);
    try {
      List<Future<PlanResult>> results = new ArrayList<>();
      for (int i = 0; i < deciders; i++) {
        Plan reserve = new Plan(Plan.Kind.RESERVE, List.of(rate("user:shared", limit)), "r" + i, 60_000, null, "fp", null, false);
        results.add(pool.submit(() -> store.apply(reserve)));
      }
      Future<PlanResult> outOfRange = pool.submit(() -> store.apply(record(rate("user:other", limit), budget("user:full", MAX, 1))));
      while (store.batcher().queued() < deciders && !outOfRange.isDone()) {
        Thread.onSpinWait();
      }

      int admitted = 0;
      for (Future<PlanResult> r : results) {
        admitted += r.get().admitted() ? 1 : 0;
      }
      assertThat(admitted).isEqualTo(limit);
      assertThat(catchCause(outOfRange)).isInstanceOf(ArithmeticException.class);
    } finally {
      pool.shutdownNow();
    }
    assertThat(store.apply(check(rate("user:shared", limit))).results().get(0).used()).isEqualTo(limit);
    assertThat(store.apply(check(rate("user:other", limit))).results().get(0).used()).isZero();
    // one call was in flight; the other 40 decisions left in one batch after it
    long fcalls = CommandStats.calls(redis).get("fcall") - fcallsBefore;
    assertThat(fcalls).isLessThanOrEqualTo(2 + 2); // the two checks above are calls of their own
  }

  private static Throwable catchCause(Future<?> f) {
    try {
      f.get();
      return null;
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }
}
