package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.RateLimit;
import dev.quota.plan.CounterKeys;
import dev.quota.plan.Plan;
import dev.quota.plan.RateOp;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The store's code runs as a Redis function, loaded by the store itself whenever the server lacks
 * it, and as a script on a server without functions.
 */
class RedisFunctionLibraryTest {
  private static final RateLimit LIMIT = RateLimit.perWindow(3, Duration.ofMinutes(1));

  private static Plan reserve(String id) {
    RateOp op = new RateOp(CounterKeys.rate("user:a", LIMIT), true, "rate", LIMIT, 1);
    return new Plan(Plan.Kind.RESERVE, List.of(op), id, 30_000, null, "fp", "payload", false);
  }

  @Test
  void aServerThatLostTheLibraryGetsItAgainAndTheCallStillCountsOnce() throws Exception {
    try (RedisServerProcess server = new RedisServerProcess();
        RedisStore store = RedisStore.builder().uri(server.uri()).timeout(Duration.ofSeconds(2)).build()) {
      RedisClient admin = RedisClient.create(server.uri());
      try (StatefulRedisConnection<String, String> c = admin.connect()) {
        assertThat(store.apply(reserve("r1")).results().get(0).used()).isEqualTo(1);
        assertThat(c.sync().functionList()).hasSize(1);

        c.sync().functionFlush(io.lettuce.core.FlushMode.SYNC);
        assertThat(c.sync().functionList()).isEmpty();
        assertThat(store.apply(reserve("r2")).results().get(0).used()).isEqualTo(2);
        assertThat(c.sync().functionList()).hasSize(1);
        assertThat(c.sync().info("commandstats")).contains("cmdstat_fcall:").doesNotContain("cmdstat_evalsha:");
      } finally {
        admin.shutdown();
      }
    }
  }

  @Test
  void aServerWithoutFunctionsRunsTheSameCodeAsAScript() throws Exception {
    // FCALL renamed away answers "unknown command", as a server before Redis 7 does
    try (RedisServerProcess server = new RedisServerProcess(List.of("--rename-command", "FCALL", ""));
        RedisStore store = RedisStore.builder().uri(server.uri()).timeout(Duration.ofSeconds(2)).build()) {
      for (int i = 1; i <= 3; i++) {
        assertThat(store.apply(reserve("r" + i)).results().get(0).used()).isEqualTo(i);
      }
      assertThat(store.apply(reserve("r4")).admitted()).isFalse();
      // a batch, whose decisions on one window pass its state along without writing it in between
      RateOp other = new RateOp(CounterKeys.rate("user:b", LIMIT), true, "rate", LIMIT, 1);
      Plan record = new Plan(Plan.Kind.RECORD, List.of(other), null, 0, null, "fp", null, false);
      ScriptCodec codec = new ScriptCodec(store.keys());
      List<Object> replies = store.run(DecisionBatcher.combine(List.of(codec.apply(record, 0), codec.apply(record, 0))));
      assertThat(replies).extracting(r -> ScriptCodec.planResult(asList(r)).results().get(0).used()).containsExactly(1L, 2L);
      Plan check = new Plan(Plan.Kind.CHECK, List.of(other), null, 0, null, "fp", null, false);
      assertThat(store.apply(check).results().get(0).used()).isEqualTo(2);
      RedisClient admin = RedisClient.create(server.uri());
      try (StatefulRedisConnection<String, String> c = admin.connect()) {
        assertThat(c.sync().info("commandstats")).contains("cmdstat_evalsha:");
      } finally {
        admin.shutdown();
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static List<Object> asList(Object o) {
    return (List<Object>) o;
  }
}
