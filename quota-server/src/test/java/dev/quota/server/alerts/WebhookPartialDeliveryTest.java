package dev.quota.server.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quota.server.Api;
import dev.quota.server.TestServer;
import dev.quota.server.config.ServerConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** With two webhooks of which one always refuses, the alert is partial, not failed, and names only the refusing one. */
class WebhookPartialDeliveryTest {
  @Test
  void anAlertOneWebhookTookAndAnotherRefusedIsPartial() throws Exception {
    try (WebhookReceiver receiver = WebhookReceiver.start("/takes", WebhookReceiver.TAKES_EVERYTHING).and("/refuses", send -> 500);
        TestServer server = TestServer.start(null, null, null, Clock.systemUTC(),
            List.of(new ServerConfig.Webhook(receiver.url("/takes"), "whsec-a"), new ServerConfig.Webhook(receiver.url("/refuses"), "whsec-b")),
            new Backoff(2, Duration.ofMillis(5), Duration.ofMillis(20)))) {
      assertThat(server.admin.put("/v1/policies/user:*",
          "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"},\"alertThresholds\":[0.5]}").status()).isEqualTo(201);
      Api.Response r = server.admin.post("/v1/usage", "{\"subjects\":{\"user\":\"half\"},\"cost\":\"0.60\"}");
      assertThat(r.status()).as(r.toString()).isEqualTo(200);

      JsonNode delivery = AlertDeliveries.await(server, "user:half", state -> !state.equals("pending")).path("delivery");
      assertThat(delivery.get("state").asText()).isEqualTo("partial");
      assertThat(delivery.get("lastError").asText()).contains("attempt 2").contains("/refuses answered 500").doesNotContain("/takes");
    }
  }
}
