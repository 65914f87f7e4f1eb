package dev.quota.server.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quota.server.Api;
import dev.quota.server.OutagePostgres;
import dev.quota.server.TestServer;
import dev.quota.server.config.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An alert fired while the database is away, by a server stopped before the database came back,
 * is stored and delivered by the next server started on the same data directory. It used to be
 * dropped at the stop, and since the budget counter had marked its level fired, that level was
 * never alerted in its period. The test takes away a PostgreSQL database of its own.
 */
class AlertsKeptThroughStopTest {
  private static final String POLICY = "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"},\"alertThresholds\":[0.8]}";
  private static final Backoff FAST = new Backoff(3, Duration.ofMillis(5), Duration.ofMillis(20));

  private OutagePostgres database;
  private WebhookReceiver receiver;
  private List<ServerConfig.Webhook> webhooks;
  private final CountDownLatch delivered = new CountDownLatch(1);
  private TestServer first;
  private TestServer next;

  @BeforeEach
  void start() throws Exception {
    database = OutagePostgres.create("qs_kept_alerts_");
    receiver = WebhookReceiver.start(send -> {
      delivered.countDown();
      return 204;
    });
    webhooks = List.of(new ServerConfig.Webhook(receiver.url(), "s3cret"));
    first = TestServer.start(null, null, database.urlWithUser(), java.time.Clock.systemUTC(), webhooks, FAST);
  }

  @AfterEach
  void stop() throws Exception {
    try {
      if (next != null) {
        next.close();
      } else {
        first.close();
      }
    } finally {
      receiver.close();
      database.close();
    }
  }

  @Test
  void anAlertNotStoredWhenTheServerStopsIsStoredAndDeliveredOnceByTheNextStart() throws Exception {
    Api admin = first.admin;
    assertThat(admin.put("/v1/policies/user:*", POLICY).status()).isEqualTo(201);
    // Spend before the outage, so that the budget's counter exists without reading the ledger.
    assertThat(admin.post("/v1/usage", "{\"subjects\":{\"user\":\"ann\"},\"cost\":\"0.10\"}").status()).isEqualTo(200);
    database.takeAway();
    Api.Response spent = admin.post("/v1/usage", "{\"subjects\":{\"user\":\"ann\"},\"cost\":\"0.75\"}");
    assertThat(spent.status()).as(spent.toString()).isEqualTo(200);
    assertThat(first.server().quota().pendingAlerts()).isEqualTo(1);

    first.server().close(); // as a SIGTERM does, with the database still away
    Path dataDir = first.dataDir();
    assertThat(Files.readAllLines(dataDir.resolve("alerts.journal"))).singleElement().asString()
        .contains("\"subject\":\"user:ann\"", "\"threshold\":0.8");

    database.giveBack();
    next = TestServer.startIn(dataDir, database.urlWithUser(), webhooks, FAST);
    assertThat(next.server().quota().drainAlerts(Duration.ofSeconds(30))).isTrue();
    JsonNode alerts = next.admin.get("/v1/alerts?subject=user:ann").json().get("alerts");
    assertThat(alerts).hasSize(1);
    assertThat(alerts.get(0).get("threshold").asText()).isEqualTo("0.8");
    assertThat(alerts.get(0).get("used").asText()).isEqualTo("0.85");
    assertThat(dataDir.resolve("alerts.journal")).isEmptyFile();

    assertThat(delivered.await(30, TimeUnit.SECONDS)).isTrue();
    WebhookSender sender = next.server().webhooks().orElseThrow();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (sender.pendingDeliveries() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10); // between polls of the sender's work; no test waits for time to pass
    }
    assertThat(sender.pendingDeliveries()).as("deliveries settled, so a second send would have arrived").isZero();
    assertThat(sender.resumeAbandoned()).isZero();
    assertThat(receiver.sendsById()).containsOnlyKeys(alerts.get(0).get("id").asText());
    assertThat(receiver.sendsById().get(alerts.get(0).get("id").asText())).hasValue(1);
    assertThat(next.admin.get("/metrics").body()).contains("quota_alerts_dropped_total 0.0");

    // A stop with nothing left to store leaves no file, and the next start finds nothing to resume.
    next.server().close();
    assertThat(Files.exists(dataDir.resolve("alerts.journal"))).isFalse();
    next = TestServer.startIn(dataDir, database.urlWithUser(), webhooks, FAST);
    assertThat(next.server().quota().pendingAlerts()).isZero();
    assertThat(next.admin.get("/v1/alerts?subject=user:ann").json().get("alerts")).hasSize(1);
  }
}
