package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * A request a stopping server is still serving when its drain runs out finds the engine closed:
 * it is answered 503 with a retry, as an outage would be, and never a 500 that reads as a fault.
 */
class ClosedEngineAnswersTest {
  private static final String RESERVE = "{\"subjects\":{\"user\":\"late\"},\"estimatedCost\":\"0.10\"}";

  @Test
  void callsReachingAClosedEngineAreRefusedAsShuttingDown() {
    try (TestServer server = TestServer.embedded()) {
      server.admin.put("/v1/policies/user:*", "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"}}");
      Api.Response reserved = server.admin.post("/v1/reservations", RESERVE);
      assertThat(reserved.status()).as(reserved.toString()).isEqualTo(201);
      String id = reserved.json().get("reservationId").asText();

      server.server().quota().close();

      for (Api.Response r : new Api.Response[] {
          server.admin.post("/v1/reservations", RESERVE),
          server.admin.post("/v1/reservations/" + id + "/commit", "{\"actualCost\":\"0.05\"}"),
          server.admin.post("/v1/usage", "{\"subjects\":{\"user\":\"late\"},\"cost\":\"0.10\"}"),
          server.admin.get("/v1/usage/user/late")}) {
        assertThat(r.status()).as(r.toString()).isEqualTo(503);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.json().get("type").asText()).endsWith("shutting-down");
        assertThat(r.header("Retry-After")).isEqualTo("1");
        assertThat(r.body()).doesNotContain("Exception");
      }
    }
  }
}
