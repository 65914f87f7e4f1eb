package dev.quota.server.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quota.server.Api;
import dev.quota.server.TestServer;
import dev.quota.server.config.ServerConfig;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A webhook that hangs delays only its own deliveries: with the hanging one listed first, the
 * healthy one still receives every alert while the hanging one holds its requests open.
 */
class WebhookIsolationTest {
  static final int ALERTS = 6;

  static WebhookReceiver receiver;
  static final HeldSends hanging = new HeldSends();
  static final CountDownLatch healthyReceivedAll = new CountDownLatch(ALERTS);
  static final Set<String> healthyIds = ConcurrentHashMap.newKeySet();
  static TestServer server;

  @BeforeAll
  static void start() throws IOException {
    // One host, so that only the webhooks' own lanes keep the two apart.
    receiver = WebhookReceiver.start("/hangs", WebhookIsolationTest::hang).and("/healthy", WebhookIsolationTest::accept);
    server = TestServer.start(null, null, null, Clock.systemUTC(),
        List.of(new ServerConfig.Webhook(receiver.url("/hangs"), "whsec-a"), new ServerConfig.Webhook(receiver.url("/healthy"), "whsec-b")),
        new Backoff(2, Duration.ofMillis(5), Duration.ofMillis(20)));
    assertThat(server.admin.put("/v1/policies/user:*",
        "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"},\"alertThresholds\":[0.5]}").status()).isEqualTo(201);
  }

  @AfterAll
  static void stop() {
    hanging.release();
    server.close();
    receiver.close();
  }

  private static int hang(WebhookReceiver.Send send) {
    hanging.hold();
    return 204;
  }

  private static int accept(WebhookReceiver.Send send) {
    if (healthyIds.add(send.alertId())) {
      healthyReceivedAll.countDown();
    }
    return 204;
  }

  @Test
  void aHangingWebhookDelaysOnlyItsOwnDeliveries() throws Exception {
    for (int i = 0; i < ALERTS; i++) {
      Api.Response r = server.admin.post("/v1/usage", "{\"subjects\":{\"user\":\"u" + i + "\"},\"cost\":\"0.60\"}");
      assertThat(r.status()).as(r.toString()).isEqualTo(200);
    }
    // Well under one send timeout: nothing waited for the hanging receiver.
    assertThat(healthyReceivedAll.await(5, TimeUnit.SECONDS)).as("healthy webhook got every alert").isTrue();
    // Not every webhook has the alerts yet, so none is settled.
    JsonNode alerts = server.admin.get("/v1/alerts?policy=user:*").json().get("alerts");
    assertThat(alerts).hasSize(ALERTS);
    for (JsonNode alert : alerts) {
      assertThat(alert.get("delivery").get("state").asText()).isEqualTo("pending");
    }
    hanging.release();
  }
}
