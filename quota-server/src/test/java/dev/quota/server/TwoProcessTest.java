package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.redis.RedisStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two server processes (separate JVMs started with {@code quota serve}) on one Redis (own key
 * prefix) and one PostgreSQL (own schema) enforce one limit exactly: 200 concurrent reservations
 * split across both against a limit of 50 admit exactly 50. A policy set through one process
 * reaches the other through the shared database.
 */
class TwoProcessTest {
  static final String REDIS = "redis://127.0.0.1:6379";

  @Test
  void twoProcessesAdmitExactlyTheLimit(@TempDir Path dirs) throws Exception {
    PostgresSchema schema = new PostgresSchema();
    String prefix = "qs-2p-" + UUID.randomUUID().toString().substring(0, 8) + ":";
    String database = schema.url();
    List<ServerProcess> children = new ArrayList<>();
    try {
      // One after the other: the first creates the schema, so the two never race to migrate it.
      children.add(launch(dirs.resolve("a"), prefix, database));
      children.add(launch(dirs.resolve("b"), prefix, database));
      Api a = children.get(0).admin();
      Api b = children.get(1).admin();
      assertThat(children.get(0).pid()).isNotEqualTo(children.get(1).pid());

      assertThat(a.put("/v1/policies/team:shared", "{\"rateLimits\":[{\"limit\":50,\"window\":\"PT1H\"}]}").status()).isEqualTo(201);
      awaitPolicy(b);
      warmUp(a);
      warmUp(b);

      ExecutorService pool = Executors.newFixedThreadPool(16);
      try {
        List<Future<Api.Response>> calls = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
          Api via = i % 2 == 0 ? a : b;
          calls.add(pool.submit(() -> via.post("/v1/reservations", "{\"subjects\":{\"team\":\"shared\"}}")));
        }
        int admitted = 0;
        int denied = 0;
        List<String> other = new ArrayList<>();
        for (Future<Api.Response> f : calls) {
          Api.Response r = f.get(60, TimeUnit.SECONDS);
          if (r.status() == 201) {
            admitted++;
          } else if (r.status() == 429) {
            denied++;
          } else {
            other.add(r.toString());
          }
        }
        assertThat(other).as(children.get(0).output() + "\n----\n" + children.get(1).output()).isEmpty();
        assertThat(admitted).isEqualTo(50);
        assertThat(denied).isEqualTo(150);
      } finally {
        pool.shutdownNow();
      }
      assertThat(a.get("/v1/usage/team/shared").json().get("limits").get(0).get("used").asLong()).isEqualTo(50);
      assertThat(b.get("/v1/usage/team/shared").json().get("limits").get(0).get("used").asLong()).isEqualTo(50);
    } finally {
      for (ServerProcess c : children) {
        c.stop();
      }
      schema.drop();
      try (RedisStore store = RedisStore.builder().uri(REDIS).prefix(prefix).build()) {
        store.deleteAll();
      }
    }
  }

  /** Starts {@code quota serve} on {@code dataDir} in its own JVM, on the shared Redis (under {@code prefix}) and database. */
  private static ServerProcess launch(Path dataDir, String prefix, String database) throws Exception {
    return ServerProcess.launch(dataDir, Map.of("QUOTA_REDIS_PREFIX", prefix), "--redis", REDIS, "--database", database);
  }

  /**
   * Checks (a dry run: nothing is consumed) the shared team a few times through {@code via}, until
   * it answers. A JVM just
   * started interprets its first calls and opens its Redis connection on the first one; on a busy
   * machine such a call can outlast the 500 ms Redis deadline and answer 503 (changing nothing).
   * This test is about exactness across processes, so the burst below meets warmed-up servers.
   */
  private static void warmUp(Api via) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    int answered = 0;
    while (answered < 20) {
      if (via.post("/v1/check", "{\"subjects\":{\"team\":\"shared\"}}").status() == 200) {
        answered++;
      } else if (System.nanoTime() > deadline) {
        throw new AssertionError("the server never answered a check");
      } else {
        Thread.sleep(50);
      }
    }
  }

  /** The other process reloads policies from the database every 2 s; wait (bounded) until it has. */
  private static void awaitPolicy(Api b) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (System.nanoTime() < deadline) {
      Api.Response r = b.get("/v1/usage/team/shared");
      if (r.status() == 200 && r.json().get("limits").size() == 1) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("the second process never loaded the policy");
  }
}
