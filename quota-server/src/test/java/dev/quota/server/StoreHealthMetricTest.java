package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * /metrics shows the counter store failing while no call is made: the server asks Redis for its
 * time every few seconds, and {@code quota_store_up} says whether it answered. Without it only
 * {@code quota_store_errors_total} showed an outage, and only once calls failed. Uses a private
 * redis-server on a spare loopback port, stopped by the test.
 */
class StoreHealthMetricTest {
  @Test
  void theGaugeFallsWhileRedisDoesNotAnswerAndRisesWhenItDoesAgain() throws Exception {
    try (PrivateRedis redis = PrivateRedis.start();
        TestServer server = TestServer.start(redis.url(), "storeup:", null)) {
      Api admin = server.admin;
      assertThat(admin.get("/metrics").body()).contains("\nquota_store_up 1.0\n");

      redis.pause();
      try {
        Polling.awaitUntil(Duration.ofSeconds(30), () -> admin.get("/metrics").body().contains("\nquota_store_up 0.0\n"));
        assertThat(admin.get("/metrics").body()).contains("\nquota_store_errors_total 0.0\n"); // no call failed
      } finally {
        redis.resume();
      }
      Polling.awaitUntil(Duration.ofSeconds(30), () -> admin.get("/metrics").body().contains("\nquota_store_up 1.0\n"));
    }
  }
}
