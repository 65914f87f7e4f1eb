package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A budget alerts a level when its spend and the holds of open reservations reach it, once per
 * period. Its counter is rebuilt from the ledger when the store loses it (a server on the
 * in-memory store restarted, Redis lost its data), and the ledger knows the spend alone: a level
 * reached by a hold lost with the store was alerted a second time in the period once spend reached
 * it, after a {@code kill -9} of a server on the embedded defaults and after a Redis restart alike.
 */
class AlertsOfLostHoldsTest {
  private static final String POLICY = "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"},\"alertThresholds\":[0.5,0.9]}";
  private static final String HOLD = "{\"subjects\":{\"team\":\"t\"},\"estimatedCost\":\"0.60\"}";

  @Test
  void aLevelAHoldReachedIsAlertedOnceAcrossAKilledServer(@TempDir Path dataDir) throws Exception {
    ServerProcess server = ServerProcess.launch(dataDir, Map.of());
    try {
      Api admin = server.admin();
      assertThat(admin.put("/v1/policies/team:*", POLICY).status()).isEqualTo(201);
      assertThat(admin.post("/v1/reservations", HOLD).status()).isEqualTo(201);
      awaitAlerts(admin, 1);

      server.kill(); // the hold dies with the in-memory store; the alert is in the database
      server = ServerProcess.launch(dataDir, Map.of());
      admin = server.admin();
      // The call the reservation was for, recorded once its hold was lost.
      assertThat(admin.post("/v1/usage", "{\"subjects\":{\"team\":\"t\"},\"cost\":\"0.60\"}").status()).isEqualTo(200);
      assertThat(admin.post("/v1/usage", "{\"subjects\":{\"team\":\"t\"},\"cost\":\"0.35\"}").status()).isEqualTo(200);

      assertThat(levels(awaitAlerts(admin, 2))).as(server.output()).containsExactly("0.9", "0.5");
    } finally {
      server.stop();
    }
  }

  @Test
  void aLevelAHoldReachedIsAlertedOnceAcrossARedisThatLostItsData(@TempDir Path dataDir) throws Exception {
    PostgresSchema schema = new PostgresSchema();
    try (PrivateRedis redis = PrivateRedis.start()) {
      ServerProcess server = ServerProcess.launch(dataDir, Map.of(), "--redis", redis.url(), "--database", schema.url());
      try {
        Api admin = server.admin();
        assertThat(admin.put("/v1/policies/team:*", POLICY).status()).isEqualTo(201);
        assertThat(admin.post("/v1/reservations", HOLD).status()).isEqualTo(201);
        awaitAlerts(admin, 1);

        redis.restartEmpty();
        // Recorded under a key, so that a call the reconnecting server answers 503 is retried safely.
        record(admin, "{\"subjects\":{\"team\":\"t\"},\"cost\":\"0.60\",\"idempotencyKey\":\"after-the-loss\"}");
        record(admin, "{\"subjects\":{\"team\":\"t\"},\"cost\":\"0.35\",\"idempotencyKey\":\"and-more\"}");

        assertThat(levels(awaitAlerts(admin, 2))).as(server.output()).containsExactly("0.9", "0.5");
      } finally {
        server.stop();
      }
    } finally {
      schema.drop();
    }
  }

  /** Records usage, again while the server answers 503 reconnecting to Redis. */
  private static void record(Api admin, String body) throws InterruptedException {
    Polling.awaitUntil(Duration.ofSeconds(30), () -> admin.post("/v1/usage", body).status() == 200);
  }

  /**
   * The team's alerts, newest first, once every alert the server holds is stored and at least
   * {@code count} are: an alert fired twice would show as one more.
   */
  private static JsonNode awaitAlerts(Api admin, int count) throws InterruptedException {
    Polling.awaitUntil(Duration.ofSeconds(30), () -> "0.0".equals(admin.metric("quota_alerts_pending"))
        && admin.get("/v1/alerts?subject=team:t").json().get("alerts").size() >= count);
    return admin.get("/v1/alerts?subject=team:t").json().get("alerts");
  }

  private static List<String> levels(JsonNode alerts) {
    List<String> out = new ArrayList<>();
    alerts.forEach(a -> out.add(a.get("threshold").asText()));
    return out;
  }
}
