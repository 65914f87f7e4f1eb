package dev.quota.server.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quota.server.Api;
import dev.quota.server.OutagePostgres;
import dev.quota.server.ServerProcess;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server killed with SIGKILL while it sends an alert it stored leaves the alert pending under its
 * claim, which nothing released. The next server started on the same data directory takes that
 * claim over at start and delivers the alert; it used to leave the alert alone until the claim
 * lapsed, up to five minutes later. The servers are real {@code quota serve} processes, so that the
 * first can be killed, on a PostgreSQL database of the test's own; the receiver holds the first
 * server's send until the test ends.
 */
class ClaimsTakenOverAfterKillTest {
  private static final String POLICY = "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"},\"alertThresholds\":[0.8]}";

  private OutagePostgres database;
  @TempDir Path dataDir;
  private WebhookReceiver receiver;
  private String hook;
  private volatile boolean holding = true;
  private final HeldSends held = new HeldSends();
  private ServerProcess server;

  @BeforeEach
  void start() throws Exception {
    database = OutagePostgres.create("qs_claims_kill_");
    receiver = WebhookReceiver.start(send -> {
      if (holding) {
        held.hold();
      }
      return 204;
    });
    hook = receiver.url();
  }

  @AfterEach
  void stop() throws Exception {
    held.release();
    try {
      if (server != null) {
        server.kill();
      }
    } finally {
      receiver.close();
      database.close();
    }
  }

  @Test
  void theNextStartOnTheDataDirectoryTakesOverTheKilledServersClaimsAtOnce() throws Exception {
    server = launch();
    Api admin = server.admin();
    assertThat(admin.put("/v1/policies/user:*", POLICY).status()).isEqualTo(201);
    assertThat(admin.post("/v1/usage", "{\"subjects\":{\"user\":\"ann\"},\"cost\":\"0.85\"}").status()).isEqualTo(200);
    assertThat(held.awaitHeld(30, TimeUnit.SECONDS)).as(server.output()).isTrue();
    JsonNode sending = alert(admin);
    assertThat(sending.get("delivery").get("state").asText()).isEqualTo("pending");
    String id = sending.get("id").asText();

    server.kill();
    holding = false;
    server = launch();
    admin = server.admin();
    // Well within the five minutes the killed server's claim would take to lapse.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    JsonNode alert = alert(admin);
    while (!"delivered".equals(alert.get("delivery").get("state").asText()) && System.nanoTime() < deadline) {
      Thread.sleep(20); // between polls of the server's work; no test waits for time to pass
      alert = alert(admin);
    }
    assertThat(alert.get("delivery").get("state").asText()).as(server.output()).isEqualTo("delivered");
    assertThat(alert.get("id").asText()).isEqualTo(id);
    // The send the kill cut short got no answer, so it is not counted; the next server's is the first.
    assertThat(alert.get("delivery").get("attempts").asInt()).isEqualTo(1);
    assertThat(receiver.sendsById()).containsOnlyKeys(id);
    assertThat(receiver.sendsById().get(id)).hasValue(2);
  }

  private static JsonNode alert(Api admin) {
    JsonNode alerts = admin.get("/v1/alerts?subject=user:ann").json().get("alerts");
    assertThat(alerts).hasSize(1);
    return alerts.get(0);
  }

  private ServerProcess launch() throws Exception {
    return ServerProcess.launch(dataDir, Map.of("QUOTA_WEBHOOK_URLS", hook, "QUOTA_WEBHOOK_SECRET", "s3cret"),
        "--database", database.urlWithUser());
  }
}
