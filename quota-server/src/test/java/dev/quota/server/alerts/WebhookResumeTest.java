package dev.quota.server.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quota.alert.Alert;
import dev.quota.alert.SampleAlerts;
import dev.quota.jdbc.Database;
import dev.quota.jdbc.JdbcAlertHistory;
import dev.quota.server.Api;
import dev.quota.server.TestServer;
import dev.quota.server.config.ServerConfig;
import dev.quota.store.conformance.MutableClock;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Pending deliveries outlive the server that was sending them: a stopped server releases them to
 * the next start, and a dead one's lapse to whichever server looks after the claim lease. The
 * receiver hangs while {@link #hanging} is set, as a receiver that stopped answering does.
 */
class WebhookResumeTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Backoff FAST = new Backoff(3, Duration.ofMillis(5), Duration.ofMillis(20));

  WebhookReceiver receiver;
  String url;
  volatile boolean hanging;
  /** Sends held while {@link #hanging}, until the test ends: the test waits for both of the sender's threads. */
  final HeldSends hung = new HeldSends(2);

  @BeforeEach
  void startReceiver() throws IOException {
    receiver = WebhookReceiver.start(this::answer);
    url = receiver.url();
  }

  @AfterEach
  void stopReceiver() {
    hung.release();
    receiver.close();
  }

  /** A hanging receiver never answers, so the server never learns whether the alert arrived. */
  private int answer(WebhookReceiver.Send send) {
    if (hanging) {
      hung.hold();
      return WebhookReceiver.NO_ANSWER;
    }
    return 204;
  }

  @Test
  void deliveriesPendingWhenAServerStopsAreSentByTheNextStart() throws Exception {
    List<ServerConfig.Webhook> hooks = List.of(new ServerConfig.Webhook(url, "whsec-resume"));
    hanging = true;
    TestServer first = TestServer.start(null, null, null, Clock.systemUTC(), hooks, FAST);
    TestServer second = null;
    try {
      budget(first);
      for (String user : List.of("a", "b", "c")) {
        spend(first, user);
      }
      // Both of the sender's threads now wait on the receiver; the third alert waits behind them.
      assertThat(hung.awaitHeld(10, TimeUnit.SECONDS)).isTrue();
      hanging = false;
      second = first.restart(Clock.systemUTC(), hooks, FAST);
      for (String user : List.of("a", "b", "c")) {
        JsonNode alert = AlertDeliveries.awaitState(second, "user:" + user, "delivered");
        // The send cut short by the stop is not counted as a refusal.
        assertThat(alert.get("delivery").get("attempts").asInt()).isEqualTo(1);
        assertThat(receiver.takenById().get(alert.get("id").asText()).get()).isEqualTo(1);
      }
    } finally {
      (second == null ? first : second).close();
    }
  }

  @Test
  void aDeadServersDeliveriesAreTakenOverOnceTheirClaimLapses() throws Exception {
    MutableClock clock = new MutableClock(Instant.now());
    List<ServerConfig.Webhook> hooks = List.of(new ServerConfig.Webhook(url, "whsec-resume"));
    try (TestServer server = TestServer.start(null, null, null, clock, hooks, FAST)) {
      // Another process fired this alert and died before delivering it: no one released its claim.
      Alert orphan = SampleAlerts.halfSpent("orphan-1", clock.instant(), "orphan");
      try (Database db = Database.embedded(server.dataDir())) {
        new JdbcAlertHistory(db, clock).append(orphan);
      }
      WebhookSender sender = server.server().webhooks().orElseThrow();
      assertThat(sender.resumeAbandoned()).isZero();
      clock.advance(JdbcAlertHistory.CLAIM_LEASE.plusSeconds(1));
      assertThat(sender.resumeAbandoned()).isEqualTo(1);
      assertThat(AlertDeliveries.awaitState(server, "user:orphan", "delivered").get("id").asText()).isEqualTo("orphan-1");
      assertThat(sender.resumeAbandoned()).isZero();
      assertThat(receiver.takenById().get("orphan-1").get()).isEqualTo(1);
    }
  }

  private static void budget(TestServer s) {
    assertThat(s.admin.put("/v1/policies/user:*",
        "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"},\"alertThresholds\":[0.5]}").status()).isEqualTo(201);
  }

  private static void spend(TestServer s, String user) {
    Api.Response r = s.admin.post("/v1/usage", "{\"subjects\":{\"user\":\"" + user + "\"},\"cost\":\"0.60\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
  }
}
