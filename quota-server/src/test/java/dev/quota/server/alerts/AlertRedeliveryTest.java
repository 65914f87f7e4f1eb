package dev.quota.server.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quota.server.Api;
import dev.quota.server.TestServer;
import dev.quota.server.config.ServerConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/alerts/{id}/redeliver}: an alert whose webhooks used up their attempts while the
 * receiver was away is sent again, once it is back, to the webhooks that failed it and no other,
 * and the audit trail says who did it and why.
 */
class AlertRedeliveryTest {
  private static final Backoff QUICK = new Backoff(2, Duration.ofMillis(5), Duration.ofMillis(20));

  @Test
  void aFailedAlertRedeliveredOnceTheReceiverIsBackIsDeliveredOnceAndAudited() throws Exception {
    AtomicBoolean up = new AtomicBoolean();
    try (WebhookReceiver receiver = WebhookReceiver.start(send -> up.get() ? 204 : 503);
        TestServer server = TestServer.start(null, null, null, Clock.systemUTC(),
            List.of(new ServerConfig.Webhook(receiver.url(), "whsec-a")), QUICK)) {
      String id = fireAlert(server, "away");
      AlertDeliveries.awaitState(server, "user:away", "failed");
      assertThat(receiver.sends(id)).isEqualTo(2);

      up.set(true);
      Api.Response r = server.admin.post("/v1/alerts/" + id + "/redeliver?reason=receiver%20back", null);
      assertThat(r.status()).as(r.toString()).isEqualTo(202);
      assertThat(r.json().get("id").asText()).isEqualTo(id);
      assertThat(r.json().at("/delivery/state").asText()).isEqualTo("pending");
      assertThat(r.json().at("/delivery/webhooks/0/state").asText()).isEqualTo("pending");
      assertThat(r.json().at("/delivery/webhooks/0/attempts").asInt()).isZero();

      JsonNode delivered = AlertDeliveries.awaitState(server, "user:away", "delivered");
      assertThat(delivered.at("/delivery/webhooks/0/state").asText()).isEqualTo("delivered");
      assertThat(delivered.at("/delivery/webhooks/0/attempts").asInt()).isEqualTo(1);
      assertThat(delivered.at("/delivery/webhooks/0/deliveredAt").isTextual()).isTrue();
      assertThat(receiver.sends(id)).isEqualTo(3);
      assertThat(receiver.takenById().get(id).get()).isEqualTo(1);

      JsonNode entries = server.admin.get("/v1/audit?action=alert.redeliver").json().get("entries");
      assertThat(entries).hasSize(1);
      JsonNode e = entries.get(0);
      assertThat(e.get("target").asText()).isEqualTo(id);
      assertThat(e.get("reason").asText()).isEqualTo("receiver back");
      assertThat(e.get("actor").asText()).isEqualTo(server.admin.get("/v1/whoami").json().get("name").asText());
      assertThat(e.get("before").asText()).startsWith("failed [" + receiver.url() + " failed after 2 attempts: attempt 2:");
      assertThat(e.get("after").asText()).isEqualTo("pending [" + receiver.url() + "]");

      // Delivered now: nothing to redeliver, and nothing changes.
      String before = alerts(server);
      Api.Response again = server.admin.post("/v1/alerts/" + id + "/redeliver", "{\"reason\":\"again\"}");
      assertThat(again.status()).as(again.toString()).isEqualTo(409);
      assertThat(again.json().get("detail").asText()).contains(id).contains("delivered");
      assertThat(alerts(server)).isEqualTo(before);
      assertThat(server.admin.get("/v1/audit?action=alert.redeliver").json().get("entries")).hasSize(1);
      assertThat(receiver.sends(id)).isEqualTo(3);
    }
  }

  @Test
  void aPartialAlertIsResentOnlyToTheWebhookThatFailedIt() throws Exception {
    AtomicBoolean up = new AtomicBoolean();
    try (WebhookReceiver receiver = WebhookReceiver.start("/takes", WebhookReceiver.TAKES_EVERYTHING)
            .and("/away", send -> up.get() ? 204 : 500);
        TestServer server = TestServer.start(null, null, null, Clock.systemUTC(),
            List.of(new ServerConfig.Webhook(receiver.url("/takes"), "whsec-a"), new ServerConfig.Webhook(receiver.url("/away"), "whsec-b")),
            QUICK)) {
      String id = fireAlert(server, "half");
      AlertDeliveries.awaitState(server, "user:half", "partial");
      assertThat(receiver.sends(id)).isEqualTo(3); // one to /takes, two to /away

      up.set(true);
      Api.Response r = server.admin.post("/v1/alerts/" + id + "/redeliver", null);
      assertThat(r.status()).as(r.toString()).isEqualTo(202);
      JsonNode delivered = AlertDeliveries.awaitState(server, "user:half", "delivered");
      for (JsonNode w : delivered.at("/delivery/webhooks")) {
        assertThat(w.get("state").asText()).as(w.toString()).isEqualTo("delivered");
        assertThat(w.get("attempts").asInt()).as(w.toString()).isEqualTo(1);
      }
      // Only /away was sent it again; both took it once in all.
      assertThat(receiver.sends(id)).isEqualTo(4);
      assertThat(receiver.takenById().get(id).get()).isEqualTo(2);
      assertThat(server.admin.get("/v1/audit?action=alert.redeliver").json().at("/entries/0/after").asText())
          .isEqualTo("pending [" + receiver.url("/away") + "]");
    }
  }

  @Test
  void twoAdminsRedeliveringAtOnceSendItOnce() throws Exception {
    AtomicBoolean up = new AtomicBoolean();
    try (WebhookReceiver receiver = WebhookReceiver.start(send -> up.get() ? 204 : 500);
        TestServer server = TestServer.start(null, null, null, Clock.systemUTC(),
            List.of(new ServerConfig.Webhook(receiver.url(), "whsec-a")), QUICK)) {
      String id = fireAlert(server, "twice");
      AlertDeliveries.awaitState(server, "user:twice", "failed");
      up.set(true);
      Api other = server.key("ops-two", "admin");
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Api.Response>> answers = new ArrayList<>();
        for (Api admin : List.of(server.admin, other)) {
          answers.add(pool.submit(() -> {
            go.await();
            return admin.post("/v1/alerts/" + id + "/redeliver", null);
          }));
        }
        go.countDown();
        List<Integer> statuses = new ArrayList<>();
        for (Future<Api.Response> a : answers) {
          statuses.add(a.get().status());
        }
        assertThat(statuses).containsExactlyInAnyOrder(202, 409);
      } finally {
        pool.shutdownNow();
      }
      AlertDeliveries.awaitState(server, "user:twice", "delivered");
      assertThat(receiver.takenById().get(id).get()).isEqualTo(1);
      assertThat(receiver.sends(id)).isEqualTo(3);
      assertThat(server.admin.get("/v1/audit?action=alert.redeliver").json().get("entries")).hasSize(1);
    }
  }

  @Test
  void onlyAnAdminRedeliversAKnownSettledAlert() throws Exception {
    // The receiver refuses and each retry waits an hour: the alert stays pending.
    try (WebhookReceiver receiver = WebhookReceiver.start(send -> 500);
        TestServer server = TestServer.start(null, null, null, Clock.systemUTC(),
            List.of(new ServerConfig.Webhook(receiver.url(), "whsec-a")),
            new Backoff(3, Duration.ofHours(1), Duration.ofHours(1)))) {
      String id = fireAlert(server, "waits");
      AlertDeliveries.await(server, "user:waits", state -> receiver.sends(id) == 1);
      AlertDeliveries.awaitAlert(server, "user:waits", a -> a.at("/delivery/webhooks/0/attempts").asInt() == 1);
      String before = alerts(server);

      for (String role : List.of("service", "viewer")) {
        Api key = role.equals("viewer") ? server.key("k-" + role, role, "user:waits") : server.key("k-" + role, role);
        Api.Response r = key.post("/v1/alerts/" + id + "/redeliver", null);
        assertThat(r.status()).as(role + ": " + r).isEqualTo(403);
      }
      Api.Response pending = server.admin.post("/v1/alerts/" + id + "/redeliver", null);
      assertThat(pending.status()).as(pending.toString()).isEqualTo(409);
      assertThat(pending.json().get("detail").asText()).contains(id).contains("pending");

      Api.Response unknown = server.admin.post("/v1/alerts/nosuchalert0000000000000000/redeliver", null);
      assertThat(unknown.status()).as(unknown.toString()).isEqualTo(404);
      assertThat(unknown.json().get("detail").asText()).contains("nosuchalert0000000000000000");

      Api.Response malformed = server.admin.post("/v1/alerts/" + "a".repeat(129) + "/redeliver", null);
      assertThat(malformed.status()).as(malformed.toString()).isEqualTo(400);
      assertThat(malformed.json().get("field").asText()).isEqualTo("id");

      Api.Response blankReason = server.admin.post("/v1/alerts/" + id + "/redeliver?reason=%20", null);
      assertThat(blankReason.status()).as(blankReason.toString()).isEqualTo(400);
      assertThat(blankReason.json().get("field").asText()).isEqualTo("reason");

      assertThat(alerts(server)).isEqualTo(before);
      assertThat(receiver.sends(id)).isEqualTo(1);
      assertThat(server.admin.get("/v1/audit?action=alert.redeliver").json().get("entries")).isEmpty();
    }
  }

  /** Fires one alert for user:{@code user} and returns its id. */
  private static String fireAlert(TestServer server, String user) {
    assertThat(server.admin.put("/v1/policies/user:*",
        "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"},\"alertThresholds\":[0.5]}").status()).isIn(200, 201);
    Api.Response r = server.admin.post("/v1/usage", "{\"subjects\":{\"user\":\"" + user + "\"},\"cost\":\"0.60\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    try {
      return AlertDeliveries.await(server, "user:" + user, state -> true).get("id").asText();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static String alerts(TestServer server) {
    return server.admin.get("/v1/alerts").json().get("alerts").toString();
  }
}
