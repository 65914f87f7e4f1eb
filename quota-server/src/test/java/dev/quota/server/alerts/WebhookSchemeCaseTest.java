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

/**
 * A URL's scheme is case-insensitive (RFC 3986, 3.1): a webhook written {@code HTTP://...} was
 * refused as "must be an http or https URL". It is taken, and its alerts are delivered, to a real
 * receiver on a loopback port.
 */
class WebhookSchemeCaseTest {
  @Test
  void aWebhookWithAnUpperCaseSchemeIsTakenAndDelivered() throws Exception {
    try (WebhookReceiver receiver = WebhookReceiver.start(send -> 204)) {
      String url = receiver.url().replaceFirst("^http:", "HTTP:");
      assertThat(ServerConfig.Webhook.isValidUrl(url)).isTrue();
      assertThat(ServerConfig.Webhook.isValidUrl("Https://alerts.example/hook")).isTrue();
      assertThat(ServerConfig.Webhook.isValidUrl("FTP://alerts.example/hook")).isFalse();

      try (TestServer server = TestServer.start(null, null, null, Clock.systemUTC(),
          List.of(new ServerConfig.Webhook(url, "whsec-case-0123456789")), new Backoff(2, Duration.ofMillis(5), Duration.ofMillis(5)))) {
        assertThat(server.admin.put("/v1/policies/user:*",
            "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"},\"alertThresholds\":[0.5]}").status()).isEqualTo(201);
        Api.Response spent = server.admin.post("/v1/usage", "{\"subjects\":{\"user\":\"caps\"},\"cost\":\"0.60\"}");
        assertThat(spent.status()).as(spent.toString()).isEqualTo(200);

        JsonNode alert = AlertDeliveries.awaitState(server, "user:caps", "delivered");
        assertThat(alert.get("delivery").get("attempts").asInt()).isEqualTo(1);
      }
    }
  }
}
