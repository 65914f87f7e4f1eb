package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.quota.StoreUnavailableException;
import dev.quota.plan.BudgetOp;
import dev.quota.plan.CounterKeys;
import dev.quota.plan.Plan;
import dev.quota.plan.PlanResult;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.List;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Redis down, slow, restarted or emptied: each on a private redis-server that the test stops. */
class RedisStoreFailureTest {
  private RedisServerProcess server;
  private RedisStore store;

  @BeforeEach
  void start() throws Exception {
    server = new RedisServerProcess();
    store = RedisStore.builder().uri(server.uri()).prefix("failure:").timeout(Duration.ofMillis(100)).build();
  }

  @AfterEach
  void stop() throws Exception {
    store.close();
    server.close();
  }

  private Plan recordSpend(long nanos, boolean seed) {
    long now = store.nowMs();
    long start = now - now % 86_400_000L;
    BudgetOp op =
        new BudgetOp(CounterKeys.budget("user:ann", "USD", "day", start), true, "daily", 1000, nanos, start,
            start + 86_400_000L, new long[0]);
    return new Plan(Plan.Kind.RECORD, List.of(op), null, 0, null, "fp", null, seed);
  }

  @Test
  void aStoppedServerFailsFastAndARestartedOneIsUsedAgain() throws Exception {
    assertThat(store.apply(recordSpend(10, false)).status()).isEqualTo(PlanResult.Status.APPLIED);
    Plan later = recordSpend(10, true);
    server.stop();
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> store.apply(later)).isInstanceOf(StoreUnavailableException.class);
    assertThatThrownBy(() -> store.apply(later)).isInstanceOf(StoreUnavailableException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));

    server.start();
    // the restarted server lost everything (no persistence): the budget must be seeded first
    PlanResult r = store.apply(recordSpend(10, true));
    assertThat(r.status()).isEqualTo(PlanResult.Status.NEEDS_SEED);
    assertThat(r.seedIndices()).containsExactly(0);
    Plan plan = recordSpend(10, true);
    store.seed(plan.ops().get(0).key(), 10, ((BudgetOp) plan.ops().get(0)).periodEndMs(), 0);
    assertThat(store.apply(plan).results().get(0).used()).isEqualTo(20);
  }

  @Test
  void flushAllIsDetectedAsDataLoss() {
    store.apply(recordSpend(10, false));
    try (RedisClient admin = RedisClient.create(server.uri());
        StatefulRedisConnection<String, String> c = admin.connect()) {
      c.sync().flushall();
    }
    assertThat(store.apply(recordSpend(10, true)).status()).isEqualTo(PlanResult.Status.NEEDS_SEED);
    // a plan that does not ask for seeding is applied as is
    assertThat(store.apply(recordSpend(10, false)).results().get(0).used()).isEqualTo(10);
  }

  @Test
  void aServerThatDoesNotAnswerInTimeFailsWithinTheTimeout() throws Exception {
    Plan plan = recordSpend(1, false);
    store.apply(plan);
    try (RedisClient admin = RedisClient.create(server.uri());
        StatefulRedisConnection<String, String> c = admin.connect()) {
      // every other client's commands wait until the pause ends or is lifted
      c.sync().clientPause(5_000);
      long t0 = System.nanoTime();
      Throwable thrown = catchThrowable(() -> store.apply(plan));
      Duration took = Duration.ofNanos(System.nanoTime() - t0);
      assertThat(thrown).isInstanceOf(StoreUnavailableException.class).hasMessageContaining("100 ms");
      // 100 ms plus scheduling slack on a busy machine, far below the client's default of 60 s
      assertThat(took).isLessThan(Duration.ofMillis(500));
      c.sync().dispatch(CommandType.CLIENT, new StatusOutput<>(StringCodec.UTF8),
          new CommandArgs<>(StringCodec.UTF8).add("UNPAUSE"));
    }
    // the server is back: the call after the timeout is answered again
    assertThat(store.apply(recordSpend(1, false)).status()).isEqualTo(PlanResult.Status.APPLIED);
  }

  @Test
  void aServerOutOfMemoryFailsAsUnavailableAndChangesNothing() {
    assertThat(store.apply(recordSpend(10, false)).status()).isEqualTo(PlanResult.Status.APPLIED);
    try (RedisClient admin = RedisClient.create(server.uri());
        StatefulRedisConnection<String, String> c = admin.connect()) {
      // Full, and told to evict nothing: Redis refuses every script that may write.
      c.sync().configSet("maxmemory-policy", "noeviction");
      c.sync().configSet("maxmemory", "1");
      Throwable thrown = catchThrowable(() -> store.apply(recordSpend(5, false)));
      assertThat(thrown).isInstanceOf(StoreUnavailableException.class).hasMessageContaining("OOM");
      c.sync().configSet("maxmemory", "0");
    }
    // nothing of the refused call was applied: the next one finds 10, not 15
    assertThat(store.apply(recordSpend(1, false)).results().get(0).used()).isEqualTo(11);
  }

  @Test
  void anAccountNotAllowedToRunScriptsFailsAsUnavailable() {
    try (RedisClient admin = RedisClient.create(server.uri());
        StatefulRedisConnection<String, String> c = admin.connect()) {
      c.sync().aclSetuser("default", io.lettuce.core.AclSetuserArgs.Builder.removeCommand(CommandType.FCALL)
          .removeCommand(CommandType.EVALSHA).removeCommand(CommandType.EVAL));
    }
    assertThat(catchThrowable(() -> store.apply(recordSpend(5, false))))
        .isInstanceOf(StoreUnavailableException.class).hasMessageContaining("NOPERM");
  }
}
