package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.redis.RedisStore;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Two servers on one Redis and one PostgreSQL behave as one: a policy set through either applies
 * on both, and concurrent reservations through both together admit exactly the limit.
 */
class SharedBackendsTest {
  static final String PG = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
  static final String REDIS = "redis://127.0.0.1:6379";

  @Test
  void twoServersEnforceOneLimitExactly() throws Exception {
    String schema = "qs_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    String prefix = "qs-test-" + UUID.randomUUID().toString().substring(0, 8) + ":";
    String db = PG + "&currentSchema=" + schema;
    try (TestServer a = TestServer.start(REDIS, prefix, db); TestServer b = TestServer.start(REDIS, prefix, db)) {
      assertThat(a.admin.put("/v1/policies/team:shared", "{\"rateLimits\":[{\"limit\":40,\"window\":\"PT1H\"}]}").status()).isEqualTo(201);
      b.server().quota().reloadConfig(); // a second process picks up policy changes on reload
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<Integer>> calls = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
          Api via = i % 2 == 0 ? a.admin : b.admin;
          calls.add(pool.submit(() -> via.post("/v1/reservations", "{\"subjects\":{\"team\":\"shared\"}}").status()));
        }
        int admitted = 0;
        int denied = 0;
        for (Future<Integer> f : calls) {
          int status = f.get();
          if (status == 201) {
            admitted++;
          } else if (status == 429) {
            denied++;
          }
        }
        assertThat(admitted).isEqualTo(40);
        assertThat(denied).isEqualTo(60);
      } finally {
        pool.shutdownNow();
      }
      assertThat(b.admin.get("/v1/usage/team/shared").json().get("limits").get(0).get("used").asLong()).isEqualTo(40);
    } finally {
      try (var c = DriverManager.getConnection(PG); var s = c.createStatement()) {
        s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      }
      try (RedisStore store = RedisStore.builder().uri(REDIS).prefix(prefix).build()) {
        store.deleteAll();
      }
    }
  }
}
