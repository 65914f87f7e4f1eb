package dev.quota.server.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quota.server.Api;
import dev.quota.server.TestServer;
import dev.quota.server.config.ServerConfig;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /v1/alerts/{id}}: one alert, as the list shows it, delivery included, for whoever has
 * its id (a webhook receiver, an operator following a redelivery); admins only; a missing or
 * malformed id is answered 404 or 400 naming it.
 */
class AlertByIdTest {
  @Test
  void anAlertIsReadByItsIdAsTheListShowsIt() throws Exception {
    try (WebhookReceiver receiver = WebhookReceiver.start(send -> 204);
        TestServer server = TestServer.start(null, null, null, Clock.systemUTC(),
            List.of(new ServerConfig.Webhook(receiver.url(), "whsec-a")))) {
      assertThat(server.admin.put("/v1/policies/user:*",
          "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"},\"alertThresholds\":[0.5]}").status()).isIn(200, 201);
      charge(server, "ann", "0.60");
      charge(server, "bob", "0.70");
      JsonNode ann = AlertDeliveries.awaitState(server, "user:ann", "delivered");
      JsonNode bob = AlertDeliveries.awaitState(server, "user:bob", "delivered");

      Api.Response r = server.admin.get("/v1/alerts/" + ann.get("id").asText());
      assertThat(r.status()).as(r.toString()).isEqualTo(200);
      assertThat(r.json()).isEqualTo(ann);
      assertThat(r.json().get("subject").asText()).isEqualTo("user:ann");
      assertThat(r.json().at("/delivery/webhooks/0/state").asText()).isEqualTo("delivered");

      Api.Response other = server.admin.get("/v1/alerts/" + bob.get("id").asText());
      assertThat(other.status()).as(other.toString()).isEqualTo(200);
      assertThat(other.json()).isEqualTo(bob);
    }
  }

  @Test
  void aMissingOrMalformedIdIsAnsweredNamingItAndOnlyAdminsMayRead() {
    try (TestServer server = TestServer.start(null, null, null)) {
      Api.Response unknown = server.admin.get("/v1/alerts/nosuchalert0000000000000000");
      assertThat(unknown.status()).as(unknown.toString()).isEqualTo(404);
      assertThat(unknown.json().get("detail").asText()).contains("nosuchalert0000000000000000");

      Api.Response tooLong = server.admin.get("/v1/alerts/" + "a".repeat(129));
      assertThat(tooLong.status()).as(tooLong.toString()).isEqualTo(400);
      assertThat(tooLong.json().get("field").asText()).isEqualTo("id");
      assertThat(server.admin.get("/v1/alerts/" + "a".repeat(128)).status()).isEqualTo(404);

      Api.Response unprintable = server.admin.get("/v1/alerts/a%07b");
      assertThat(unprintable.status()).as(unprintable.toString()).isEqualTo(400);
      assertThat(unprintable.json().get("field").asText()).isEqualTo("id");

      Api.Response query = server.admin.get("/v1/alerts/a1?limit=5");
      assertThat(query.status()).as(query.toString()).isEqualTo(400);
      assertThat(query.json().get("field").asText()).isEqualTo("limit");

      for (String role : List.of("service", "viewer")) {
        Api key = role.equals("viewer") ? server.key("k-" + role, role, "user:ann") : server.key("k-" + role, role);
        Api.Response r = key.get("/v1/alerts/nosuchalert0000000000000000");
        assertThat(r.status()).as(role + ": " + r).isEqualTo(403);
      }
    }
  }

  private static void charge(TestServer server, String user, String cost) {
    Api.Response r = server.admin.post("/v1/usage", "{\"subjects\":{\"user\":\"" + user + "\"},\"cost\":\"" + cost + "\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
  }
}
