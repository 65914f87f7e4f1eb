package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Charges owed while Redis hung are applied once it answers again even if no call comes: the
 * gauge of owed charges falls back to zero and the budget holds the spend. The replay thread retries
 * by itself while the store stays away; a pass that failed used to skip its own retry, so charges
 * waited for the next decision Redis answered. Uses a private
 * redis-server on a spare loopback port, frozen and resumed by the test.
 */
class OwedChargesWithoutTrafficTest {
  private static final String USAGE = "{\"subjects\":{\"user\":\"bo\"},\"cost\":\"%s\"}";

  @Test
  void chargesOwedDuringAnOutageAreAppliedWhenRedisReturnsWithNoCallMade() throws Exception {
    try (PrivateRedis redis = PrivateRedis.start();
        TestServer server = TestServer.start(redis.url(), "owed-idle:", null)) {
      Api admin = server.admin;
      Api.Response put = admin.put("/v1/policies/user:*", "{\"budget\":{\"currency\":\"USD\",\"monthly\":\"1.00\"},\"failMode\":\"open\"}");
      assertThat(put.status()).as(put.toString()).isBetween(200, 201);
      assertThat(admin.post("/v1/usage", USAGE.formatted("0.10")).status()).isEqualTo(200);

      redis.pause();
      try {
        for (int i = 0; i < 2; i++) {
          Api.Response r = admin.post("/v1/usage", USAGE.formatted("0.20"));
          assertThat(r.json().get("failOpen").asBoolean()).as(r.toString()).isTrue();
        }
        assertThat(admin.metric("quota_owed_charges")).isEqualTo("2.0");
      } finally {
        redis.resume();
      }

      // Only /metrics is read until the charges are applied: no decision tells the server Redis is back.
      Polling.awaitUntil(Duration.ofSeconds(30), () -> "0.0".equals(admin.metric("quota_owed_charges")));
      Api.Response usage = admin.get("/v1/usage/user/bo");
      assertThat(usage.json().get("limits").get(0).get("used").asText()).as(usage.toString()).isEqualTo("0.50");
    }
  }
}
