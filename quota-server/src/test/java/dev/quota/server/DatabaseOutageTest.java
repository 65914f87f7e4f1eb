package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quota.jdbc.Database;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With PostgreSQL unreachable, admin and report routes answer 503 {@code database-unavailable}
 * (they answered a bare 500 {@code internal-error}), as the OpenAPI document says they may (it listed
 * no 503 for any of them), and work again once it is back. The test takes
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
    JsonNode documented = admin.get("/openapi.json").json().get("paths");

    outage.takeAway();

    // Each request with the operation of the OpenAPI document it answers, which must list the 503.
    Map<String, Supplier<Api.Response>> requests = new LinkedHashMap<>();
    requests.put("get /v1/reports/costs", () -> admin.get("/v1/reports/costs"));
    requests.put("get /v1/policies", () -> admin.get("/v1/policies"));
    requests.put("get /v1/policies/{selector}", () -> admin.get("/v1/policies/user:*"));
    requests.put("delete /v1/policies/{selector}", () -> admin.delete("/v1/policies/user:*"));
    requests.put("get /v1/audit", () -> admin.get("/v1/audit"));
    requests.put("get /v1/alerts", () -> admin.get("/v1/alerts"));
    requests.put("get /v1/overrides", () -> admin.get("/v1/overrides"));
    requests.put("post /v1/overrides", () -> admin.post("/v1/overrides",
        "{\"selector\":\"user:bob\",\"bypass\":true,\"duration\":\"PT1H\",\"reason\":\"outage test\"}"));
    requests.put("delete /v1/overrides/{id}", () -> admin.delete("/v1/overrides/nosuch"));
    requests.put("get /v1/keys", () -> admin.get("/v1/keys"));
    requests.put("post /v1/keys", () -> admin.post("/v1/keys", "{\"name\":\"ci\",\"role\":\"service\"}"));
    requests.put("delete /v1/keys/{name}", () -> admin.delete("/v1/keys/ci"));
    requests.put("put /v1/policies/{selector}", () -> admin.put("/v1/policies/user:bob", POLICY));
    requests.put("post /v1/subjects/{scope}/{id}/reset", () -> admin.post("/v1/subjects/user/bob/reset", "{\"reason\":\"outage test\"}"));
    requests.put("post /v1/alerts/{id}/redeliver", () -> admin.post("/v1/alerts/nosuch/redeliver", "{\"reason\":\"outage test\"}"));
    long sent = System.nanoTime();
    Map<String, Api.Response> refused = sentTogether(requests);
    // Each waits out one connection timeout, side by side. The policy and override writes took a
    // lock in turn, which the periodic reload also held while it waited: together about 10 s.
    assertThat(Duration.ofNanos(System.nanoTime() - sent)).as("no request waits behind another")
        .isLessThan(Database.CONNECTION_TIMEOUT.multipliedBy(3));
    for (Map.Entry<String, Api.Response> e : refused.entrySet()) {
      Api.Response r = e.getValue();
      String[] operation = e.getKey().split(" ", 2);
      assertThat(r.status()).as(e.getKey() + ": " + r).isEqualTo(503);
      assertThat(documented.get(operation[1]).get(operation[0]).get("responses").has("503"))
          .as("the OpenAPI document lists the 503 of " + e.getKey()).isTrue();
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

  /**
   * Sends every request at once and returns their answers in the same order. Each waits out the
   * pool's connection timeout (2 s) before its 503: one after another they took 30 s.
   */
  private static Map<String, Api.Response> sentTogether(Map<String, Supplier<Api.Response>> requests) {
    ExecutorService senders = Executors.newFixedThreadPool(requests.size());
    try {
      Map<String, CompletableFuture<Api.Response>> sent = new LinkedHashMap<>();
      requests.forEach((operation, request) -> sent.put(operation, CompletableFuture.supplyAsync(request, senders)));
      Map<String, Api.Response> answers = new LinkedHashMap<>();
      sent.forEach((operation, answer) -> answers.put(operation, answer.join()));
      return answers;
    } finally {
      senders.shutdownNow();
    }
  }
}
