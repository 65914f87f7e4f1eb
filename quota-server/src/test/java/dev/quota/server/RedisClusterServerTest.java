package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quota.redis.RedisClusterProcess;
import dev.quota.server.config.ConfigLoader;
import dev.quota.server.config.ServerConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server on Redis Cluster, configured as an operator configures it: the configuration refused
 * {@code --redis redis-cluster://...}, though the store supports it. Reservations and their commits
 * go through HTTP, and the budgets then hold what was committed. Uses a private three-master Redis
 * Cluster on spare loopback ports (quota-redis's test fixture); each test has a key prefix of its
 * own, so it starts with no counters, as on a new cluster.
 */
class RedisClusterServerTest {
  private static RedisClusterProcess cluster;

  @TempDir Path dataDir;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = new RedisClusterProcess();
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** The reservation's holds are in the subject's slot, its home record in another. */
  @Test
  void aReservationAndItsCommitGoThroughARedisCluster() {
    try (TestServer server = TestServer.start(config("one-slot:"), Clock.systemUTC())) {
      Api admin = server.admin;
      assertThat(server.anonymous().get("/health").json().at("/checks/store").asText()).isEqualTo("up");
      assertCreated(admin.put("/v1/policies/user:*",
          "{\"rateLimits\":[{\"limit\":3,\"window\":\"PT1M\"}],\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"}}"));

      Api.Response reserved = admin.post("/v1/reservations", "{\"subjects\":{\"user\":\"alice\"},\"estimatedCost\":\"0.05\"}");
      assertThat(reserved.status()).as(reserved.toString()).isEqualTo(201);
      assertThat(reserved.json().get("admitted").asBoolean()).as(reserved.toString()).isTrue();
      assertThat(used(reserved.json())).as(reserved.toString()).containsExactlyEntriesOf(Map.of("user:alice", "0.05"));

      String id = reserved.json().get("reservationId").asText();
      Api.Response committed = admin.post("/v1/reservations/" + id + "/commit", "{\"actualCost\":\"0.042\"}");
      assertThat(committed.status()).as(committed.toString()).isEqualTo(200);
      assertThat(committed.json().get("status").asText()).isEqualTo("committed");
      assertThat(committed.json().get("charged").asText()).isEqualTo("0.042");

      Api.Response after = admin.post("/v1/check", "{\"subjects\":{\"user\":\"alice\"}}");
      assertThat(after.status()).as(after.toString()).isEqualTo(200);
      assertThat(used(after.json())).as(after.toString()).containsExactlyEntriesOf(Map.of("user:alice", "0.042"));
      // a repeated commit is recognised through the claimed home record
      Api.Response again = admin.post("/v1/reservations/" + id + "/commit", "{\"actualCost\":\"0.042\"}");
      assertThat(again.status()).as(again.toString()).isEqualTo(200);
      assertThat(again.json().get("repeated").asBoolean()).as(again.toString()).isTrue();
    }
  }

  /**
   * A reservation on a user's and a team's budgets, whose counters lie in two slots, on a cluster
   * that holds neither: each slot in turn asks for its budget to be rebuilt from the ledger, and the
   * second asks after the first had applied its holds, which the store then took back. The engine
   * retried under the same reservation id, which the store refuses for good once taken back, and the
   * reservation failed with a 500.
   */
  @Test
  void aReservationAcrossSlotsIsMadeWhenEachSlotsBudgetMustFirstBeRebuilt() {
    try (TestServer server = TestServer.start(config("two-slots:"), Clock.systemUTC())) {
      Api admin = server.admin;
      assertCreated(admin.put("/v1/policies/user:*", "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"}}"));
      assertCreated(admin.put("/v1/policies/team:*", "{\"budget\":{\"currency\":\"USD\",\"daily\":\"5.00\"}}"));

      Api.Response reserved = admin.post("/v1/reservations", "{\"subjects\":{\"user\":\"bob\",\"team\":\"blue\"},\"estimatedCost\":\"0.05\"}");
      assertThat(reserved.status()).as(reserved.toString()).isEqualTo(201);
      assertThat(reserved.json().get("admitted").asBoolean()).as(reserved.toString()).isTrue();
      assertThat(used(reserved.json())).as(reserved.toString()).isEqualTo(Map.of("user:bob", "0.05", "team:blue", "0.05"));

      String id = reserved.json().get("reservationId").asText();
      Api.Response committed = admin.post("/v1/reservations/" + id + "/commit", "{\"actualCost\":\"0.042\"}");
      assertThat(committed.status()).as(committed.toString()).isEqualTo(200);
      assertThat(committed.json().get("charged").asText()).isEqualTo("0.042");

      Api.Response after = admin.post("/v1/check", "{\"subjects\":{\"user\":\"bob\",\"team\":\"blue\"}}");
      assertThat(after.status()).as(after.toString()).isEqualTo(200);
      assertThat(used(after.json())).as(after.toString()).isEqualTo(Map.of("user:bob", "0.042", "team:blue", "0.042"));
    }
  }

  /** Loaded as {@code serve --port 0 --data-dir DIR --redis redis-cluster://...} with the test's key and {@code prefix}. */
  private ServerConfig config(String prefix) {
    return ConfigLoader.load(new ConfigLoader.Flags(null, 0, dataDir, cluster.uri(), null, null),
        Map.of("QUOTA_ADMIN_KEY", TestServer.ADMIN_KEY, "QUOTA_REDIS_PREFIX", prefix));
  }

  private static void assertCreated(Api.Response r) {
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
  }

  /** Each daily budget's subject and what it has used. */
  private static Map<String, String> used(JsonNode decision) {
    Map<String, String> out = new HashMap<>();
    for (JsonNode limit : decision.get("limits")) {
      if (limit.get("kind").asText().equals("budget_daily")) {
        out.put(limit.get("subject").asText(), limit.get("used").asText());
      }
    }
    return out;
  }
}
