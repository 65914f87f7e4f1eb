package dev.quota.server.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.quota.jdbc.WebhookRef;
import dev.quota.server.Api;
import dev.quota.server.Polling;
import dev.quota.server.TestServer;
import dev.quota.server.config.ServerConfig;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Each webhook's delivery of an alert shows in {@code GET /v1/alerts}, and a retry goes only to
 * the webhook that has not taken the alert: over real sockets, to two real receivers on loopback
 * ports, one that always acknowledges and one that refuses until the test lets it acknowledge.
 */
class WebhookPerWebhookStateTest {
  static final Backoff FAST = new Backoff(2, Duration.ofMillis(5), Duration.ofMillis(20));
  /** The first failed attempt's retry waits longer than any test runs, so only a takeover resends it. */
  static final Backoff PATIENT = new Backoff(2, Duration.ofMinutes(1), Duration.ofMinutes(1));

  WebhookReceiver acking;
  WebhookReceiver refusing;
  /** Set when the refusing receiver is to acknowledge from then on. */
  volatile boolean recovered;
  List<ServerConfig.Webhook> hooks;

  @BeforeEach
  void startReceivers() throws IOException {
    acking = WebhookReceiver.start(WebhookReceiver.TAKES_EVERYTHING);
    refusing = WebhookReceiver.start(send -> recovered ? 204 : 500);
    hooks = List.of(new ServerConfig.Webhook(acking.url(), "whsec-acking"),
        new ServerConfig.Webhook(refusing.url() + "?token=s3cret", "whsec-refusing"));
  }

  @AfterEach
  void stopReceivers() {
    acking.close();
    refusing.close();
  }

  @Test
  void theAlertShowsWhichWebhookTookItAndWhichGaveUpAndOnlyTheRefusingOneIsRetried() throws Exception {
    try (TestServer server = TestServer.start(null, null, null, Clock.systemUTC(), hooks, FAST)) {
      String id = spend(server, "half");
      JsonNode delivery = AlertDeliveries.awaitState(server, "user:half", "partial").get("delivery");

      JsonNode took = webhook(delivery, acking.url());
      assertThat(took.get("state").asText()).isEqualTo("delivered");
      assertThat(took.get("attempts").asInt()).isEqualTo(1);
      assertThat(took.has("deliveredAt")).isTrue();
      assertThat(took.has("lastError")).isFalse();
      assertThat(took.get("id").asText()).isEqualTo(WebhookRef.of(acking.url()).id());

      JsonNode gaveUp = webhook(delivery, refusing.url());
      assertThat(gaveUp.get("state").asText()).isEqualTo("failed");
      assertThat(gaveUp.get("attempts").asInt()).isEqualTo(2);
      assertThat(gaveUp.get("lastError").asText()).startsWith("attempt 2: ").contains("answered 500");
      // Its token stays in the configuration, out of the API.
      assertThat(delivery.toString()).doesNotContain("s3cret");

      assertThat(acking.sends(id)).isEqualTo(1);
      assertThat(refusing.sends(id)).isEqualTo(2);
    }
  }

  @Test
  void aServerTakingOverAPartlyDeliveredAlertResendsItOnlyToTheWebhookThatHasNotTakenIt() throws Exception {
    TestServer first = TestServer.start(null, null, null, Clock.systemUTC(), hooks, PATIENT);
    TestServer second = null;
    try {
      String id = spend(first, "half");
      JsonNode midway = AlertDeliveries.awaitAlert(first, "user:half", a ->
          stateOf(a, acking.url()).equals("delivered") && webhook(a.get("delivery"), refusing.url()).path("attempts").asInt() == 1);
      assertThat(midway.get("delivery").get("state").asText()).isEqualTo("pending");
      JsonNode waiting = webhook(midway.get("delivery"), refusing.url());
      assertThat(waiting.get("state").asText()).isEqualTo("pending");
      assertThat(waiting.get("lastError").asText()).isEqualTo("attempt 1: " + refusing.url() + " answered 500");

      // The receiver recovers while its retry is still a minute away; this server stops meanwhile.
      recovered = true;
      second = first.restart(Clock.systemUTC(), hooks, PATIENT);

      JsonNode settled = AlertDeliveries.awaitState(second, "user:half", "delivered").get("delivery");
      assertThat(stateOf(settled, acking.url())).isEqualTo("delivered");
      assertThat(webhook(settled, acking.url()).get("attempts").asInt()).isEqualTo(1);
      assertThat(stateOf(settled, refusing.url())).isEqualTo("delivered");
      // Numbered on from the attempt the stopped server made.
      assertThat(webhook(settled, refusing.url()).get("attempts").asInt()).isEqualTo(2);
      assertThat(acking.sends(id)).isEqualTo(1);
      assertThat(refusing.sends(id)).isEqualTo(2);
    } finally {
      (second == null ? first : second).close();
    }
  }

  @Test
  void aServerTakingOverAnAlertGivesUpTheWebhooksNoLongerConfiguredAndSaysSo() throws Exception {
    TestServer first = TestServer.start(null, null, null, Clock.systemUTC(), hooks, PATIENT);
    TestServer second = null;
    Logger senderLog = (Logger) LoggerFactory.getLogger(WebhookSender.class);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    try {
      String id = spend(first, "half");
      AlertDeliveries.awaitAlert(first, "user:half", a ->
          stateOf(a, acking.url()).equals("delivered") && webhook(a.get("delivery"), refusing.url()).path("attempts").asInt() == 1);

      // The refusing webhook is taken out of the configuration while its retry is still a minute away.
      senderLog.addAppender(logged);
      second = first.restart(Clock.systemUTC(), List.of(hooks.get(0)), PATIENT);

      JsonNode settled = AlertDeliveries.await(second, "user:half", state -> !state.equals("pending")).get("delivery");
      assertThat(settled.get("state").asText()).isEqualTo("partial");
      assertThat(stateOf(settled, acking.url())).isEqualTo("delivered");
      JsonNode removed = webhook(settled, refusing.url());
      assertThat(removed.get("state").asText()).isEqualTo("failed");
      assertThat(removed.get("attempts").asInt()).as("no attempt is made or counted").isEqualTo(1);
      assertThat(removed.get("lastError").asText()).isEqualTo(refusing.url() + " is no longer configured; not sent");
      assertThat(settled.get("lastError").asText()).isEqualTo(refusing.url() + " is no longer configured; not sent");
      assertThat(settled.toString()).doesNotContain("s3cret");
      assertThat(acking.sends(id)).isEqualTo(1);
      assertThat(refusing.sends(id)).isEqualTo(1);
      TestServer taker = second;
      Polling.awaitUntil(Duration.ofSeconds(10), () -> taker.server().webhooks().orElseThrow().pendingDeliveries() == 0);
      // Logged once the takeover has handed out what it claimed, which may be after the alert settled.
      Polling.awaitUntil(Duration.ofSeconds(10), () -> messages(logged).stream()
          .anyMatch(m -> m.contains("1 pending delivery to " + refusing.url()) && m.contains("no longer configured")));
      assertThat(messages(logged)).noneMatch(m -> m.contains("s3cret"));
    } finally {
      senderLog.detachAppender(logged);
      (second == null ? first : second).close();
    }
  }

  @Test
  void anAlertStillListsAWebhookRemovedFromTheConfiguration() throws Exception {
    TestServer first = TestServer.start(null, null, null, Clock.systemUTC(), hooks, FAST);
    TestServer second = null;
    try {
      spend(first, "half");
      AlertDeliveries.awaitState(first, "user:half", "partial");
      second = first.restart(Clock.systemUTC(), List.of(hooks.get(0)), FAST);

      Api.Response r = second.admin.get("/v1/alerts?subject=user:half");
      assertThat(r.status()).as(r.toString()).isEqualTo(200);
      JsonNode delivery = r.json().get("alerts").get(0).get("delivery");
      assertThat(delivery.get("state").asText()).isEqualTo("partial");
      assertThat(stateOf(delivery, acking.url())).isEqualTo("delivered");
      assertThat(stateOf(delivery, refusing.url())).isEqualTo("failed");
    } finally {
      (second == null ? first : second).close();
    }
  }

  private static String spend(TestServer s, String user) throws InterruptedException {
    assertThat(s.admin.put("/v1/policies/user:*",
        "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"},\"alertThresholds\":[0.5]}").status()).isBetween(200, 201);
    Api.Response r = s.admin.post("/v1/usage", "{\"subjects\":{\"user\":\"" + user + "\"},\"cost\":\"0.60\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return AlertDeliveries.awaitAlert(s, "user:" + user, a -> true).get("id").asText();
  }

  /** The entry of {@code delivery.webhooks} for the webhook shown as {@code url}. */
  private static JsonNode webhook(JsonNode delivery, String url) {
    for (JsonNode w : delivery.path("webhooks")) {
      if (w.get("url").asText().equals(url)) {
        return w;
      }
    }
    throw new AssertionError("no webhook " + url + " in " + delivery);
  }

  private static String stateOf(JsonNode alertOrDelivery, String url) {
    JsonNode delivery = alertOrDelivery.has("delivery") ? alertOrDelivery.get("delivery") : alertOrDelivery;
    for (JsonNode w : delivery.path("webhooks")) {
      if (w.get("url").asText().equals(url)) {
        return w.get("state").asText();
      }
    }
    return "";
  }

  private static List<String> messages(ListAppender<ILoggingEvent> logged) {
    synchronized (logged) { // the appender appends under its own lock
      return logged.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
  }
}
