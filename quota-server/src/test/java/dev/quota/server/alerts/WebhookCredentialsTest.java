package dev.quota.server.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quota.server.Api;
import dev.quota.server.TestServer;
import dev.quota.server.config.ServerConfig;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A webhook URL that carries user info ({@code https://user:password@host/path}) sends it as HTTP
 * Basic credentials, as any HTTP client given such a URL does: a receiver behind Basic
 * authentication takes the alerts. They were dropped, so every delivery to it was answered 401
 * and, after its attempts, failed.
 */
class WebhookCredentialsTest {
  @Test
  void userInfoInTheUrlIsSentAsBasicCredentials() throws Exception {
    List<String> authorizations = new CopyOnWriteArrayList<>();
    String expected = "Basic " + Base64.getEncoder().encodeToString("hook-user:p@ss:word".getBytes(StandardCharsets.UTF_8));
    try (WebhookReceiver receiver = WebhookReceiver.start(send -> {
      String auth = send.headers().getFirst("Authorization");
      authorizations.add(String.valueOf(auth));
      return expected.equals(auth) ? 204 : 401;
    })) {
      // The password's '@' is percent-encoded in the URL, as it must be; the receiver gets it decoded.
      String url = receiver.url().replace("http://", "http://hook-user:p%40ss:word@");
      try (TestServer server = TestServer.start(null, null, null, Clock.systemUTC(),
          List.of(new ServerConfig.Webhook(url, "whsec-credentials")), new Backoff(2, Duration.ofMillis(5), Duration.ofMillis(10)))) {
        assertThat(server.admin.put("/v1/policies/user:*",
            "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"},\"alertThresholds\":[0.5]}").status()).isEqualTo(201);
        Api.Response r = server.admin.post("/v1/usage", "{\"subjects\":{\"user\":\"basic\"},\"cost\":\"0.60\"}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);

        JsonNode alert = AlertDeliveries.await(server, "user:basic", state -> !state.equals("pending"));
        assertThat(authorizations).isNotEmpty().allMatch(expected::equals);
        assertThat(alert.get("delivery").get("state").asText()).as(alert.toString()).isEqualTo("delivered");
        // The credentials never show where the delivery is listed.
        assertThat(alert.toString()).doesNotContain("hook-user").doesNotContain("p%40ss");
      }
    }
  }

  @Test
  void aUrlNamingOnlyAUserSendsItWithAnEmptyPasswordAndOneWithoutUserInfoSendsNone() {
    assertThat(WebhookLane.basicCredentials(URI.create("https://t0k3n@hooks.example/quota")))
        .isEqualTo("Basic " + Base64.getEncoder().encodeToString("t0k3n:".getBytes(StandardCharsets.UTF_8)));
    assertThat(WebhookLane.basicCredentials(URI.create("https://hooks.example/quota?token=t0k3n"))).isNull();
  }
}
