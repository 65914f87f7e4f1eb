package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * With Redis down, a commit, a release and a read of usage answer 503 saying the counter store
 * cannot be reached; they said "a fail-closed policy applies", though no policy decides them. A
 * decision refused by a fail-closed policy keeps saying so, and /metrics counts the commit and the
 * release as failed. Uses a private redis-server on a spare loopback port, stopped by the test.
 */
class StoreOutageDetailTest {
  private static final String STORE_DOWN = "the counter store cannot be reached; the request changed nothing; retry shortly";
  private static final String FAIL_CLOSED = "the counter store is unavailable and a fail-closed policy applies";

  @Test
  void onlyDecisionsNameTheFailClosedPolicy() throws Exception {
    try (PrivateRedis redis = PrivateRedis.start();
        TestServer server = TestServer.start(redis.url(), "outage:", null)) {
      Api admin = server.admin;
      admin.put("/v1/policies/user:*", "{\"rateLimits\":[{\"limit\":5,\"window\":\"PT1M\"}]}");
      Api.Response reserved = admin.post("/v1/reservations", "{\"subjects\":{\"user\":\"ann\"},\"estimatedCost\":\"1\"}");
      assertThat(reserved.status()).as(reserved.toString()).isEqualTo(201);
      String id = reserved.json().get("reservationId").asText();

      redis.stop();

      java.util.Map<String, Double> settlements = SettlementCounts.read(admin);
      assertStoreDown(admin.post("/v1/reservations/" + id + "/commit", "{\"actualCost\":\"0.5\"}"), STORE_DOWN);
      assertStoreDown(admin.post("/v1/reservations/" + id + "/release", null), STORE_DOWN);
      // Neither was settled: /metrics counts them as failed, not as any answer the store gave.
      assertThat(SettlementCounts.moved(settlements, SettlementCounts.read(admin)))
          .containsEntry("commit failed", 1.0).containsEntry("release failed", 1.0)
          .containsEntry("commit settled", 0.0).containsEntry("release settled", 0.0);
      assertStoreDown(admin.get("/v1/usage/user/ann"), STORE_DOWN);
      assertStoreDown(admin.post("/v1/reservations", "{\"subjects\":{\"user\":\"ann\"}}"), FAIL_CLOSED);
      assertStoreDown(admin.post("/v1/check", "{\"subjects\":{\"user\":\"ann\"}}"), FAIL_CLOSED);
    }
  }

  @Test
  void aFullRedisIsAnOutageThatFailModesDecide() throws Exception {
    try (PrivateRedis redis = PrivateRedis.start();
        TestServer server = TestServer.start(redis.url(), "full:", null)) {
      Api admin = server.admin;
      admin.put("/v1/policies/user:*", "{\"rateLimits\":[{\"limit\":5,\"window\":\"PT1M\"}]}");
      admin.put("/v1/policies/team:*", "{\"rateLimits\":[{\"limit\":5,\"window\":\"PT1M\"}],\"failMode\":\"open\"}");
      assertThat(admin.post("/v1/check", "{\"subjects\":{\"user\":\"ann\"}}").status()).isEqualTo(200);

      redis.maxMemory("1");

      assertStoreDown(admin.post("/v1/reservations", "{\"subjects\":{\"user\":\"ann\"}}"), FAIL_CLOSED);
      Api.Response open = admin.post("/v1/reservations", "{\"subjects\":{\"team\":\"blue\"}}");
      assertThat(open.status()).as(open.toString()).isEqualTo(201);
      assertThat(open.json().get("admitted").asBoolean()).as(open.toString()).isTrue();
      assertThat(open.json().get("failOpen").asBoolean()).as(open.toString()).isTrue();
    }
  }

  private static void assertStoreDown(Api.Response r, String detail) {
    assertThat(r.status()).as(r.toString()).isEqualTo(503);
    assertThat(r.json().get("type").asText()).isEqualTo("urn:quota:problem:store-unavailable");
    assertThat(r.json().get("detail").asText()).as(r.toString()).isEqualTo(detail);
    assertThat(r.header("Retry-After")).isEqualTo("1");
  }
}
