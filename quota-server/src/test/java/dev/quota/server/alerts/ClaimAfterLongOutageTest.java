package dev.quota.server.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quota.jdbc.JdbcAlertHistory;
import dev.quota.server.Api;
import dev.quota.server.OutagePostgres;
import dev.quota.server.TestServer;
import dev.quota.server.config.ServerConfig;
import dev.quota.store.conformance.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An alert fired before a database outage longer than the claim lease is stored, when the database
 * is back, with a claim that runs from then. It used to be claimed from when it fired, so it was
 * stored with a claim that had lapsed already: a second server sharing the database took it over
 * while the first was still sending it, and the receiver got it twice. Two servers share a
 * PostgreSQL database of the test's own, on one fake clock; the receiver holds the first server's
 * send until the second server has looked for alerts to take over.
 */
class ClaimAfterLongOutageTest {
  private static final String POLICY = "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"},\"alertThresholds\":[0.8]}";
  private static final Backoff FAST = new Backoff(3, Duration.ofMillis(5), Duration.ofMillis(20));

  private OutagePostgres database;
  private WebhookReceiver receiver;
  private List<ServerConfig.Webhook> webhooks;
  /** Every send, held until the test lets them go. */
  private final HeldSends sends = new HeldSends();
  private TestServer first;
  private TestServer second;

  @BeforeEach
  void start() throws Exception {
    database = OutagePostgres.create("qs_claim_outage_");
    receiver = WebhookReceiver.start(send -> {
      sends.hold();
      return 204;
    });
    webhooks = List.of(new ServerConfig.Webhook(receiver.url(), "s3cret"));
  }

  @AfterEach
  void stop() throws Exception {
    sends.release();
    try {
      if (second != null) {
        second.close();
      }
      if (first != null) {
        first.close();
      }
    } finally {
      receiver.close();
      database.close();
    }
  }

  @Test
  void anAlertStoredAfterAnOutageLongerThanTheLeaseIsNotTakenOverWhileItsServerSendsIt() throws Exception {
    MutableClock clock = new MutableClock(Instant.now());
    first = TestServer.start(null, null, database.urlWithUser(), clock, webhooks, FAST);
    Api admin = first.admin;
    assertThat(admin.put("/v1/policies/user:*", POLICY).status()).isEqualTo(201);
    // Spend before the outage, so that the budget's counter exists without reading the ledger.
    assertThat(admin.post("/v1/usage", "{\"subjects\":{\"user\":\"ann\"},\"cost\":\"0.10\"}").status()).isEqualTo(200);
    database.takeAway();
    Api.Response spent = admin.post("/v1/usage", "{\"subjects\":{\"user\":\"ann\"},\"cost\":\"0.75\"}");
    assertThat(spent.status()).as(spent.toString()).isEqualTo(200);
    assertThat(first.server().quota().pendingAlerts()).isEqualTo(1);

    clock.advance(JdbcAlertHistory.CLAIM_LEASE.multipliedBy(2));
    database.giveBack();
    assertThat(first.server().quota().drainAlerts(Duration.ofSeconds(30))).isTrue();
    assertThat(sends.awaitHeld(30, TimeUnit.SECONDS)).as("the first server sends the alert").isTrue();

    // A second server, on the same clock, looks for alerts to take over while the first still sends.
    second = TestServer.start(null, null, database.urlWithUser(), clock, webhooks, FAST);
    assertThat(second.server().webhooks().orElseThrow().resumeAbandoned()).isZero();

    sends.release();
    JsonNode alert = AlertDeliveries.awaitState(first, "user:ann", "delivered");
    awaitNoPendingDeliveries(first);
    awaitNoPendingDeliveries(second);
    assertThat(receiver.sendsById()).containsOnlyKeys(alert.get("id").asText());
    assertThat(receiver.sendsById().get(alert.get("id").asText())).as("sends of the alert").hasValue(1);
  }

  private static void awaitNoPendingDeliveries(TestServer s) throws InterruptedException {
    WebhookSender sender = s.server().webhooks().orElseThrow();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (sender.pendingDeliveries() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10); // between polls of the sender's work; no test waits for time to pass
    }
    assertThat(sender.pendingDeliveries()).isZero();
  }
}
