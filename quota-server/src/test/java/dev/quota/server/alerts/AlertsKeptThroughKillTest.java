package dev.quota.server.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quota.redis.RedisStore;
import dev.quota.server.Api;
import dev.quota.server.OutagePostgres;
import dev.quota.server.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server killed with SIGKILL, so that no shutdown hook runs, while an alert it fired waits for
 * the database, leaves the alert journaled in its data directory; the next server started there
 * stores it and delivers it once. The alert used to be lost: the budget's counter, in Redis, had
 * marked its level fired, so that level was never alerted again in its period. And a server killed
 * after it stored and delivered an alert, before its journal let the alert go, does not have the
 * next start send it again. The servers are real {@code quota serve} processes, so that they can
 * be killed; the test takes away a PostgreSQL database of its own.
 */
class AlertsKeptThroughKillTest {
  private static final String REDIS = "redis://127.0.0.1:6379";
  private static final String POLICY = "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"},\"alertThresholds\":[0.8]}";

  private OutagePostgres database;
  private String prefix;
  @TempDir Path dataDir;
  private WebhookReceiver receiver;
  private String hook;
  private ServerProcess server;

  @BeforeEach
  void start() throws Exception {
    database = OutagePostgres.create("qs_killed_alerts_");
    prefix = "qs-kill-" + UUID.randomUUID().toString().substring(0, 8) + ":";
    receiver = WebhookReceiver.start(WebhookReceiver.TAKES_EVERYTHING);
    hook = receiver.url();
  }

  @AfterEach
  void stop() throws Exception {
    try {
      if (server != null) {
        server.kill();
      }
    } finally {
      receiver.close();
      database.close();
      try (RedisStore store = RedisStore.builder().uri(REDIS).prefix(prefix).build()) {
        store.deleteAll();
      }
    }
  }

  @Test
  void anAlertQueuedWhenTheServerIsKilledIsStoredAndDeliveredOnceByTheNextStart() throws Exception {
    server = launch();
    Api admin = server.admin();
    assertThat(admin.put("/v1/policies/user:*", POLICY).status()).isEqualTo(201);
    // Spend before the outage, so that the budget's counter exists without reading the ledger.
    assertThat(admin.post("/v1/usage", "{\"subjects\":{\"user\":\"ann\"},\"cost\":\"0.10\"}").status()).isEqualTo(200);
    database.takeAway();
    Api.Response spent = admin.post("/v1/usage", "{\"subjects\":{\"user\":\"ann\"},\"cost\":\"0.75\"}");
    assertThat(spent.status()).as(spent.toString()).isEqualTo(200);
    assertThat(admin.metric("quota_alerts_pending")).isEqualTo("1.0");
    // Journaled before the decision answered.
    Path journal = dataDir.resolve("alerts.journal");
    assertThat(Files.readAllLines(journal)).singleElement().asString()
        .contains("\"subject\":\"user:ann\"", "\"threshold\":0.8", "\"used\":\"0.85\"");
    byte[] journaledAtTheKill = Files.readAllBytes(journal);

    server.kill();
    database.giveBack();
    server = launch();
    admin = server.admin();
    awaitAlertsSettled(admin);
    JsonNode alerts = admin.get("/v1/alerts?subject=user:ann").json().get("alerts");
    assertThat(alerts).as(server.output()).hasSize(1);
    JsonNode alert = alerts.get(0);
    String id = alert.get("id").asText();
    assertThat(alert.get("threshold").asText()).isEqualTo("0.8");
    assertThat(alert.get("used").asText()).isEqualTo("0.85");
    assertThat(alert.get("delivery").get("state").asText()).isEqualTo("delivered");
    assertThat(receiver.sendsById()).containsOnlyKeys(id);
    assertThat(receiver.sendsById().get(id)).hasValue(1);
    assertThat(journal).isEmptyFile();
    // The counter in Redis kept the level fired: without the journal this alert was gone for good.
    assertThat(admin.post("/v1/usage", "{\"subjects\":{\"user\":\"ann\"},\"cost\":\"0.05\"}").status()).isEqualTo(200);
    awaitAlertsSettled(admin);
    assertThat(admin.get("/v1/alerts?subject=user:ann").json().get("alerts")).hasSize(1);

    // Killed again, with the journal as a kill between storing the alert and letting it go leaves
    // it: the next start finds it stored and delivered, and sends it to nobody again.
    server.kill();
    Files.write(journal, journaledAtTheKill);
    server = launch();
    admin = server.admin();
    awaitAlertsSettled(admin);
    assertThat(journal).isEmptyFile();
    assertThat(admin.get("/v1/alerts?subject=user:ann").json().get("alerts")).hasSize(1);
    assertThat(receiver.sendsById()).containsOnlyKeys(id);
    assertThat(receiver.sendsById().get(id)).as(server.output()).hasValue(1);
    assertThat(admin.metric("quota_alerts_dropped_total")).isEqualTo("0.0");
  }

  private ServerProcess launch() throws Exception {
    return ServerProcess.launch(dataDir,
        Map.of("QUOTA_REDIS_PREFIX", prefix, "QUOTA_WEBHOOK_URLS", hook, "QUOTA_WEBHOOK_SECRET", "s3cret"),
        "--redis", REDIS, "--database", database.urlWithUser());
  }

  /**
   * Waits until the server has stored every alert it holds and handed it over, and its webhook
   * sends are settled: any send it was going to make has then reached the receiver.
   */
  private void awaitAlertsSettled(Api admin) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline
        && !("0.0".equals(admin.metric("quota_alerts_pending")) && "0.0".equals(admin.metric("quota_alert_deliveries_pending")))) {
      Thread.sleep(20); // between polls of the server's work; no test waits for time to pass
    }
    assertThat(admin.metric("quota_alerts_pending")).as(server.output()).isEqualTo("0.0");
    assertThat(admin.metric("quota_alert_deliveries_pending")).as(server.output()).isEqualTo("0.0");
  }
}
