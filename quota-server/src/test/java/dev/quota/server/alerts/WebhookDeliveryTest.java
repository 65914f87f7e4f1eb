package dev.quota.server.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quota.jdbc.WebhookRef;
import dev.quota.server.Api;
import dev.quota.server.TestServer;
import dev.quota.server.config.ServerConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Alerts reach a real HTTP receiver on a loopback port, signed, retried with backoff, and their
 * delivery state shows in {@code GET /v1/alerts}. The receiver refuses the first attempt of every
 * alert, refuses every attempt for subjects named "doomed", and holds requests for subjects named
 * "slow" until the test lets them go. Backoff is a few milliseconds.
 */
class WebhookDeliveryTest {
  static final String SECRET = "whsec-test-0123456789";
  static final String TOKEN = "t0k3n-in-query";
  static final ObjectMapper JSON = new ObjectMapper();

  record Received(String alertId, byte[] body, String signature, String contentType) {}

  static WebhookReceiver receiver;
  static final List<Received> received = new CopyOnWriteArrayList<>();
  static final HeldSends slow = new HeldSends();
  static TestServer server;

  @BeforeAll
  static void start() throws IOException {
    receiver = WebhookReceiver.start(WebhookDeliveryTest::answer);
    String url = url();
    server = TestServer.start(null, null, null, Clock.systemUTC(),
        List.of(new ServerConfig.Webhook(url, SECRET)), new Backoff(3, Duration.ofMillis(5), Duration.ofMillis(20)));
    assertThat(server.admin.put("/v1/policies/user:*",
        "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"},\"alertThresholds\":[0.5]}").status()).isEqualTo(201);
  }

  @AfterAll
  static void stop() {
    slow.release();
    server.close();
    receiver.close();
  }

  private static int answer(WebhookReceiver.Send send) throws IOException {
    received.add(new Received(send.alertId(), send.body(), send.headers().getFirst("X-Quota-Signature"),
        send.headers().getFirst("Content-Type")));
    String subject = JSON.readTree(send.body()).path("subject").asText();
    int attempt = receiver.sends(send.alertId());
    if (subject.contains("slow")) {
      slow.hold();
    }
    return subject.contains("doomed") || (attempt == 1 && !subject.contains("slow")) ? 500 : 204;
  }

  @Test
  void failedFirstAttemptIsRetriedAndTheSignatureVerifies() throws Exception {
    spend("user", "retry", "0.60");
    JsonNode alert = AlertDeliveries.awaitState(server, "user:retry", "delivered");
    assertThat(alert.get("delivery").get("attempts").asInt()).isEqualTo(2);
    assertThat(alert.get("delivery").has("deliveredAt")).isTrue();

    String id = alert.get("id").asText();
    List<Received> mine = received.stream().filter(r -> id.equals(r.alertId())).toList();
    assertThat(mine).hasSize(2);
    for (Received r : mine) {
      assertThat(r.contentType()).isEqualTo("application/json");
      assertThat(r.signature()).isEqualTo("sha256=" + hmacHex(SECRET, r.body()));
      assertThat(MessageDigest.isEqual(r.body(), mine.get(0).body())).isTrue();
    }
    assertThat(r0(mine).signature()).isNotEqualTo("sha256=" + hmacHex("another-secret", r0(mine).body()));
    JsonNode sent = JSON.readTree(mine.get(0).body());
    assertThat(sent.get("id").asText()).isEqualTo(id);
    assertThat(sent.get("subject").asText()).isEqualTo("user:retry");
    // The same instant, to the same precision, as the alert history shows.
    assertThat(sent.get("at").asText()).isEqualTo(alert.get("at").asText());
    // Money as on every other route, in the body sent and in the alert history alike.
    assertThat(sent.get("used").asText()).isEqualTo("0.60");
    assertThat(sent.get("limit").asText()).isEqualTo("1.00");
    assertThat(alert.get("used").asText()).isEqualTo("0.60");
    assertThat(alert.get("limit").asText()).isEqualTo("1.00");
    assertThat(alert.get("threshold").decimalValue()).isEqualByComparingTo("0.5");
  }

  @Test
  void deliveryIsMarkedFailedAfterTheLastAttempt() throws Exception {
    Logger senderLog = (Logger) LoggerFactory.getLogger(WebhookSender.class);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    senderLog.addAppender(logged);
    JsonNode alert;
    try {
      spend("user", "doomed", "0.70");
      alert = AlertDeliveries.awaitState(server, "user:doomed", "failed");
    } finally {
      senderLog.detachAppender(logged);
    }
    assertThat(alert.get("delivery").get("attempts").asInt()).isEqualTo(3);
    assertThat(alert.get("delivery").get("lastError").asText()).contains("attempt 3").contains("answered 500")
        .doesNotContain(TOKEN);
    assertThat(receiver.sends(alert.get("id").asText())).isEqualTo(3);
    String id = alert.get("id").asText();
    List<String> givenUp = logged.list.stream().map(ILoggingEvent::getFormattedMessage)
        .filter(m -> m.contains("gave up") && m.contains(id)).toList();
    assertThat(givenUp).singleElement().asString().contains("/hook").doesNotContain(TOKEN);
  }

  @Test
  void aReceiverThatHangsNeverHoldsUpDecisions() throws Exception {
    spend("user", "slow", "0.80");
    assertThat(slow.awaitHeld(10, TimeUnit.SECONDS)).isTrue();
    // The receiver now holds the alert's request open; decisions for the same subject still answer.
    for (int i = 0; i < 5; i++) {
      Api.Response r = server.admin.post("/v1/reservations", "{\"subjects\":{\"user\":\"slow\"},\"estimatedCost\":\"0.01\"}");
      assertThat(r.status()).as(r.toString()).isEqualTo(201);
    }
    assertThat(alertOf("user:slow").get("delivery").get("state").asText()).isEqualTo("pending");
    slow.release();
    assertThat(AlertDeliveries.awaitState(server, "user:slow", "delivered").get("delivery").get("attempts").asInt()).isEqualTo(1);
  }

  @Test
  void sendsAreCountedByOutcomeAndWebhook() throws Exception {
    // The server is shared with the other tests: their sends must be done before counting starts.
    awaitNoDeliveryPending();
    double delivered = deliveries("delivered");
    double retried = deliveries("retried");
    double failed = deliveries("failed");
    spend("user", "counted", "0.60");
    spend("user", "doomed-counted", "0.60");
    AlertDeliveries.awaitState(server, "user:counted", "delivered");
    AlertDeliveries.awaitState(server, "user:doomed-counted", "failed");
    // One refusal then a delivery; three refusals, the last one giving up.
    assertThat(deliveries("delivered") - delivered).isEqualTo(1);
    assertThat(deliveries("retried") - retried).isEqualTo(3);
    assertThat(deliveries("failed") - failed).isEqualTo(1);
    assertThat(server.admin.get("/metrics").body()).contains("quota_alert_deliveries_pending");
  }

  private static void awaitNoDeliveryPending() throws InterruptedException {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    while (!server.admin.get("/metrics").body().lines().anyMatch(l -> l.equals("quota_alert_deliveries_pending 0.0"))) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("deliveries of earlier tests are still pending");
      }
      Thread.sleep(10); // between polls of the sender's threads
    }
  }

  /** The receiver's URL as configured: a token in the query, as some receivers take one, must never be shown or logged. */
  private static String url() {
    return receiver.url() + "?token=" + TOKEN;
  }

  /** The counter's value in the scrape, 0 before its first send. */
  private static double deliveries(String outcome) {
    // Labelled by origin and id: /metrics is open to every key, and a URL's path can hold a token.
    String hook = receiver.origin() + " " + WebhookRef.of(url()).id();
    String prefix = "quota_alert_deliveries_total{outcome=\"" + outcome + "\",webhook=\"" + hook + "\"} ";
    return server.admin.get("/metrics").body().lines().filter(l -> l.startsWith(prefix))
        .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length()))).findFirst().orElse(0);
  }

  private static Received r0(List<Received> l) {
    return l.get(0);
  }

  @Test
  void anExhaustedBudgetsAlertWritesMoneyLikeTheUsageRoute() throws Exception {
    spend("user", "full", "1");
    JsonNode alerts = server.admin.get("/v1/alerts?subject=user:full").json().get("alerts");
    assertThat(alerts.findValuesAsText("used")).containsOnly("1.00");
    assertThat(alerts.findValuesAsText("limit")).containsOnly("1.00");
    assertThat(alerts.findValuesAsText("threshold")).containsExactlyInAnyOrder("0.5", "1");
    JsonNode exhausted = alerts.get(0).get("exhausted").asBoolean() ? alerts.get(0) : alerts.get(1);
    assertThat(exhausted.get("threshold").asText()).isEqualTo("1");
    JsonNode budget = server.admin.get("/v1/usage/user/full").json().get("limits").get(0);
    assertThat(budget.get("used").asText()).isEqualTo(exhausted.get("used").asText());
    assertThat(budget.get("limit").asText()).isEqualTo(exhausted.get("limit").asText());
  }

  /** Records spend and waits for the alerts it fired to be stored (they are stored off the decision path). */
  private static void spend(String scope, String id, String cost) throws InterruptedException {
    Api.Response r = server.admin.post("/v1/usage", "{\"subjects\":{\"" + scope + "\":\"" + id + "\"},\"cost\":\"" + cost + "\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(server.server().quota().drainAlerts(Duration.ofSeconds(10))).isTrue();
  }

  private static JsonNode alertOf(String subject) {
    JsonNode page = server.admin.get("/v1/alerts?subject=" + subject).json();
    assertThat(page.get("alerts")).as("alerts for " + subject).hasSize(1);
    return page.get("alerts").get(0);
  }

  /** Computed here independently of the server's code. */
  private static String hmacHex(String secret, byte[] body) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return HexFormat.of().formatHex(mac.doFinal(body));
  }
}
