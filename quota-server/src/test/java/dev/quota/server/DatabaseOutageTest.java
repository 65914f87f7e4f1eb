package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With PostgreSQL unreachable, admin and report routes answer 503 {@code database-unavailable}
 * (they answered a bare 500 {@code internal-error}), and work again once it is back. The test takes
 * away a database of its own: it refuses new connections and ends the pool's open ones.
 */
class DatabaseOutageTest {
  private static final String POLICY = "{\"rateLimits\":[{\"limit\":5,\"window\":\"PT1M\"}]}";

  @RegisterExtension
  final ServerOnOutagePostgres outage = new ServerOnOutagePostgres("qs_down_");

  @Test
  void everyDatabaseRouteAnswers503WhileTheDatabaseIsAway() throws Exception {
    Api admin = outage.admin();
    assertThat(admin.put("/v1/policies/user:*", POLICY).status()).isEqualTo(201);

    outage.takeAway();

    List<Api.Response> refused = List.of(
        admin.get("/v1/reports/costs"),
        admin.get("/v1/policies"),
        admin.get("/v1/audit"),
        admin.get("/v1/alerts"),
        admin.get("/v1/overrides"),
        admin.get("/v1/keys"),
        admin.put("/v1/policies/user:bob", POLICY),
        admin.post("/v1/subjects/user/bob/reset", "{\"reason\":\"outage test\"}"));
    for (Api.Response r : refused) {
      assertThat(r.status()).as(r.toString()).isEqualTo(503);
      assertThat(r.contentType()).startsWith("application/problem+json");
      assertThat(r.header("Retry-After")).isEqualTo("1");
      assertThat(r.json().get("type").asText()).isEqualTo("urn:quota:problem:database-unavailable");
      assertThat(r.json().get("title").asText()).isEqualTo("Database unavailable");
      assertThat(r.json().get("detail").asText())
          .isEqualTo("the database cannot be reached; the request changed nothing; retry shortly");
      assertThat(r.body()).doesNotContain("Exception", "Connection is not available");
    }

    outage.giveBack();
    assertThat(admin.get("/v1/policies").status()).isEqualTo(200);
    assertThat(admin.put("/v1/policies/user:bob", POLICY).status()).isEqualTo(201);
    Api.Response audit = admin.get("/v1/audit");
    assertThat(audit.status()).as(audit.toString()).isEqualTo(200);
    // Only the two policies written while the database was there; nothing from the outage.
    assertThat(audit.body()).contains("user:bob").doesNotContain("outage test");
  }

}
