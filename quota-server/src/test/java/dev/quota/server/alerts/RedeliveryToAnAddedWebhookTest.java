package dev.quota.server.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quota.server.Api;
import dev.quota.server.PostgresSchema;
import dev.quota.server.TestServer;
import dev.quota.server.config.ServerConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A redelivery sends again what failed, to the webhooks that failed it: a webhook added to the
 * configuration after the alert fired never had the alert, and is not sent it. It was: the sender
 * sent a redelivered alert to every configured webhook with no row for it, so adding a webhook and
 * redelivering one old failed alert sent that old alert to the new receiver too. On H2 and on
 * PostgreSQL; the server is restarted with the webhook added, as a configuration change is made.
 */
class RedeliveryToAnAddedWebhookTest {
  private static final Backoff QUICK = new Backoff(2, Duration.ofMillis(5), Duration.ofMillis(20));

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"h2", "postgresql"})
  void aWebhookAddedAfterTheAlertFiredIsNotSentItWhenItIsRedelivered(String database) throws Exception {
    PostgresSchema schema = database.equals("postgresql") ? new PostgresSchema() : null;
    String url = schema == null ? null : schema.url();
    AtomicBoolean up = new AtomicBoolean();
    try (WebhookReceiver away = WebhookReceiver.start("/away", send -> up.get() ? 204 : 503);
        WebhookReceiver added = WebhookReceiver.start("/added", WebhookReceiver.TAKES_EVERYTHING)) {
      TestServer before = TestServer.start(null, null, url, Clock.systemUTC(),
          List.of(new ServerConfig.Webhook(away.url(), "whsec-away")), QUICK);
      assertThat(before.admin.put("/v1/policies/user:*",
          "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"},\"alertThresholds\":[0.5]}").status()).isIn(200, 201);
      assertThat(before.admin.post("/v1/usage", "{\"subjects\":{\"user\":\"old\"},\"cost\":\"0.60\"}").status()).isEqualTo(200);
      String id = AlertDeliveries.awaitState(before, "user:old", "failed").get("id").asText();
      before.server().close();

      try (TestServer server = TestServer.startIn(before.dataDir(), url, List.of(
          new ServerConfig.Webhook(away.url(), "whsec-away"), new ServerConfig.Webhook(added.url(), "whsec-added")), QUICK)) {
        up.set(true);
        Api.Response r = server.admin.post("/v1/alerts/" + id + "/redeliver?reason=receiver%20back", null);
        assertThat(r.status()).as(r.toString()).isEqualTo(202);

        JsonNode delivered = AlertDeliveries.awaitState(server, "user:old", "delivered");
        assertThat(away.takenById().get(id).get()).isEqualTo(1);
        // A fresh alert goes to both, and is settled after the redelivered one was sent: had the
        // added webhook been sent the old alert, it would have been by now.
        assertThat(server.admin.post("/v1/usage", "{\"subjects\":{\"user\":\"new\"},\"cost\":\"0.60\"}").status()).isEqualTo(200);
        String fresh = AlertDeliveries.awaitState(server, "user:new", "delivered").get("id").asText();
        assertThat(added.takenById()).containsOnlyKeys(fresh);
        assertThat(delivered.at("/delivery/webhooks")).hasSize(1);
        assertThat(delivered.at("/delivery/webhooks/0/url").asText()).isEqualTo(away.url());
      }
    } finally {
      if (schema != null) {
        schema.drop();
      }
    }
  }
}
