package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code /health} asks the counter store itself: with Redis counters it is ready while Redis
 * answers and 503 with the store named as down, in plain words, once it stops. Uses a private redis-server on a
 * spare loopback port, stopped by the test.
 */
class ReadinessTest {
  /** The first requests after a start do not each wait for the store's code to be loaded on Redis. */
  @Test
  void aStartLoadsTheStoresCodeOnRedisBeforeTheFirstRequest() throws Exception {
    try (PrivateRedis redis = PrivateRedis.start()) {
      RedisClient client = RedisClient.create(redis.url());
      try (StatefulRedisConnection<String, String> c = client.connect()) {
        assertThat(c.sync().functionList()).isEmpty();
        try (TestServer server = TestServer.start(redis.url(), "ready:", null)) {
          assertThat(c.sync().functionList()).as("loaded before any request").hasSize(1);
        }
      } finally {
        client.shutdown();
      }
    }
  }

  @Test
  void healthFollowsRedis() throws Exception {
    try (PrivateRedis redis = PrivateRedis.start();
        TestServer server = TestServer.start(redis.url(), "ready:", null)) {
      Api.Response up = server.anonymous().get("/health");
      assertThat(up.status()).as(up.toString()).isEqualTo(200);
      assertThat(up.json().get("checks").get("store").asText()).isEqualTo("up");
      server.admin.put("/v1/policies/user:ready", "{\"rateLimits\":[{\"limit\":5,\"window\":\"PT1M\"}]}");
      assertThat(server.admin.post("/v1/reservations", "{\"subjects\":{\"user\":\"ready\"}}").status())
          .isEqualTo(201);

      redis.stop();
      Api.Response down = server.anonymous().get("/health");
      assertThat(down.status()).as(down.toString()).isEqualTo(503);
      assertThat(down.json().get("status").asText()).isEqualTo("down");
      // In plain words: health answers without a key, so it names no class of the server's.
      assertThat(down.json().get("checks").get("store").asText()).isEqualTo("down: the counter store cannot be reached");
      assertThat(down.json().get("checks").get("database").asText()).isEqualTo("up");
      assertThat(server.anonymous().get("/health/live").status()).isEqualTo(200);
      // Decisions answered asynchronously still map a lost store to the fail-closed problem.
      for (String path : List.of("/v1/reservations", "/v1/check")) {
        Api.Response refused = server.admin.post(path, "{\"subjects\":{\"user\":\"ready\"}}");
        assertThat(refused.status()).as(refused.toString()).isEqualTo(503);
        assertThat(refused.json().get("type").asText()).endsWith("store-unavailable");
        assertThat(refused.header("Retry-After")).isEqualTo("1");
      }
    }
  }
}
