package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.RateLimit;
import dev.quota.StoreUnavailableException;
import dev.quota.plan.BudgetOp;
import dev.quota.plan.CounterKey;
import dev.quota.plan.CounterKeys;
import dev.quota.plan.CounterOp;
import dev.quota.plan.OpResult;
import dev.quota.plan.Plan;
import dev.quota.plan.PlanResult;
import dev.quota.plan.RateOp;
import dev.quota.plan.SettleResult;
import dev.quota.plan.Settlement;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Redis stalls past the store's timeout (100 ms), the caller is told the store is unavailable, and
 * Redis runs the queued call when it resumes: the call must then change nothing, whatever it is (a
 * seed, a reset), and whenever it comes (a process's very first call, before any reply told it
 * Redis's time).
 */
class StalledCallsTest {
  private static final RateLimit PER_MINUTE = RateLimit.perWindow(100, Duration.ofMinutes(1));
  private RedisServerProcess server;
  private RedisStore store;
  private final AtomicLong offsetMs = new AtomicLong();
  private long start;
  private long end;

  @BeforeEach
  void start() throws Exception {
    server = new RedisServerProcess();
    store = impatientStore();
    long now = store.nowMs(); // connects and loads the function library
    start = now - 60_000;
    end = now + 3_600_000;
  }

  @AfterEach
  void stop() throws Exception {
    store.close();
    server.close();
  }

  private RedisStore impatientStore() {
    return RedisStore.builder().uri(server.uri()).prefix("stall:").timeout(Duration.ofMillis(100))
        .testClockOffset(offsetMs::get).build();
  }

  private BudgetOp budget(String subject, long amount) {
    return new BudgetOp(CounterKeys.budget(subject, "USD", "day", start), true, "b", 1_000, amount, start, end, new long[0]);
  }

  private static RateOp rate(String subject) {
    return new RateOp(CounterKeys.rate(subject, PER_MINUTE), true, "r", PER_MINUTE, 1);
  }

  private static Plan record(CounterOp... ops) {
    return new Plan(Plan.Kind.RECORD, List.of(ops), null, 0, null, "fp", null, false);
  }

  private List<Long> used(CounterOp... ops) {
    return store.apply(new Plan(Plan.Kind.CHECK, List.of(ops), null, 0, null, "fp", null, false)).results().stream()
        .map(OpResult::used).toList();
  }

  @Test
  void aSeedRedisRunsAfterTheStoreGaveUpOnItChangesNothing() {
    CounterKey key = budget("user:seeded", 0).key();
    whileRedisStalls(() -> assertThatThrownBy(() -> store.seed(key, 300, end, 0))
        .isInstanceOf(StoreUnavailableException.class));

    assertThat(server.admin().exists(store.keys().counter(key))).isZero();
    store.seed(key, 300, end, 0);
    assertThat(used(budget("user:seeded", 0))).containsExactly(300L);
  }

  /** A late reset would have deleted the counters, and forgiven the hold, that the caller was told it had not. */
  @Test
  void aResetRedisRunsAfterTheStoreGaveUpOnItChangesNothing() {
    store.apply(record(rate("user:kept"), budget("user:kept", 100)));
    Plan reserve = new Plan(Plan.Kind.RESERVE, List.of(budget("user:kept", 40)), "r-kept", 60_000, null, "fp", null, false);
    assertThat(store.apply(reserve).admitted()).isTrue();

    whileRedisStalls(() -> assertThatThrownBy(() -> store.reset("user:kept")).isInstanceOf(StoreUnavailableException.class));

    assertThat(used(rate("user:kept"), budget("user:kept", 0))).containsExactly(1L, 140L);
    assertThat(server.admin().exists(store.keys().resetMark("user:kept"))).isZero();
    assertThat(store.settle(Settlement.release("r-kept")).status()).isEqualTo(SettleResult.Status.SETTLED);
    assertThat(used(budget("user:kept", 0))).as("the hold came back: no reset forgave it").containsExactly(100L);
  }

  /**
   * A new store's first decision: Redis holds writes (the time asked as the store connects is no
   * write, so it is answered), and runs the decision only after the store gave up on it.
   */
  @Test
  void aStoresFirstDecisionThatRedisRunsAfterTheStoreGaveUpOnItChangesNothing() {
    try (RedisStore fresh = impatientStore()) {
      RedisCommands<String, String> admin = server.admin();
      pauseWrites(admin, 1_000);
      assertThatThrownBy(() -> fresh.apply(record(rate("user:first"), budget("user:first", 5))))
          .isInstanceOf(StoreUnavailableException.class);
      admin.set("stall:probe", "1"); // a write: answered once the pause is over, after the held decision ran

      assertThat(used(rate("user:first"), budget("user:first", 0))).containsExactly(0L, 0L);
      assertThat(fresh.apply(record(rate("user:first"), budget("user:first", 5))).admitted()).isTrue();
    }
  }

  /**
   * A replay answers with its first answer, made at the first answer's time; taken for Redis's time
   * now, it would set the next call's deadline in the past, and the next call would fail.
   */
  @Test
  void aReplayedAnswerDoesNotSetTheClockBack() {
    // No stall here, so a patient store: a clock set back by the ten seconds below would still put
    // the next call's deadline in the past, while a busy machine cannot fail it by mere slowness.
    try (RedisStore patient = RedisStore.builder().uri(server.uri()).prefix("stall:").timeout(Duration.ofSeconds(2))
        .testClockOffset(offsetMs::get).build()) {
      Plan keyed = new Plan(Plan.Kind.RECORD, List.of(budget("user:replay", 5)), null, 0, "replay-1", "fp", null, false);
      assertThat(patient.apply(keyed).status()).isEqualTo(PlanResult.Status.APPLIED);
      offsetMs.addAndGet(10_000); // ten seconds on, in the store's time

      assertThat(patient.apply(keyed).status()).isEqualTo(PlanResult.Status.REPLAYED);
      assertThat(patient.apply(record(rate("user:replay"))).admitted()).isTrue();
    }
  }

  /**
   * Runs {@code call} while Redis holds every client's commands for a second, ten times the
   * store's timeout, and waits for the pause to end (a command of the admin connection is held
   * until then): the held commands run once it ends, in the order they came.
   */
  private void whileRedisStalls(Runnable call) {
    server.admin().clientPause(1_000);
    try {
      call.run();
    } finally {
      assertThat(server.admin().ping()).isEqualTo("PONG");
    }
  }

  private static void pauseWrites(RedisCommands<String, String> redis, long ms) {
    StringCodec utf8 = StringCodec.UTF8;
    redis.dispatch(CommandType.CLIENT, new StatusOutput<>(utf8),
        new CommandArgs<>(utf8).add("PAUSE").add(ms).add("WRITE"));
  }
}
