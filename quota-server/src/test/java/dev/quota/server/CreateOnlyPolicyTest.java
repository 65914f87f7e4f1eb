package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code PUT /v1/policies/{selector}} with {@code If-None-Match: *} creates only: a selector that
 * already has a policy is answered 412 naming it, and nothing changes, not even the audit trail.
 * On the embedded defaults (H2); {@link PostgresCreateOnlyPolicyTest} races two servers sharing
 * one PostgreSQL database.
 */
class CreateOnlyPolicyTest extends ServerSuite {
  static final String[] CREATE_ONLY = {"If-None-Match", "*"};

  static String limit(long perMinute) {
    return "{\"rateLimits\":[{\"limit\":" + perMinute + ",\"window\":\"PT1M\"}]}";
  }

  /** The selector's policy and its audit entries, as the API shows them. */
  String state(String selector) {
    return admin.get("/v1/policies/" + selector).body() + "\n" + admin.get("/v1/audit?target=" + selector).body();
  }

  @Test
  void aFreeSelectorIsCreatedAndAuditedAndATakenOneIsRefusedWith412ChangingNothing() {
    Api.Response created = admin.send("PUT", "/v1/policies/team:alpha?reason=first%20limits", limit(5), CREATE_ONLY);
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    assertThat(created.json().get("selector").asText()).isEqualTo("team:alpha");
    JsonNode entry = admin.get("/v1/audit?target=team:alpha").json().get("entries").get(0);
    assertThat(entry.get("action").asText()).isEqualTo("policy.create");
    assertThat(entry.get("reason").asText()).isEqualTo("first limits");
    String before = state("team:alpha");

    Api.Response refused = admin.send("PUT", "/v1/policies/team:alpha?reason=second", limit(500), CREATE_ONLY);
    assertThat(refused.status()).as(refused.toString()).isEqualTo(412);
    assertThat(refused.contentType()).isEqualTo("application/problem+json; charset=utf-8");
    JsonNode problem = refused.json();
    assertThat(problem.get("type").asText()).isEqualTo("urn:quota:problem:precondition-failed");
    assertThat(problem.get("status").asInt()).isEqualTo(412);
    assertThat(problem.get("field").asText()).isEqualTo("If-None-Match");
    assertThat(problem.get("rule").asText()).isEqualTo("a policy for team:alpha already exists");
    assertThat(problem.get("detail").asText()).contains("team:alpha");
    assertThat(problem.get("selector").asText()).isEqualTo("team:alpha");
    assertThat(state("team:alpha")).isEqualTo(before);

    // Without the condition a PUT still replaces.
    assertThat(admin.put("/v1/policies/team:alpha", limit(7)).status()).isEqualTo(200);
  }

  /** The problem names the selector as stored, so a client can link to the policy it met. */
  @Test
  void aRefusalNamesTheSelectorInItsCanonicalSpelling() {
    assertThat(admin.put("/v1/policies/user:*,tool:canon", limit(1)).status()).isEqualTo(201);
    Api.Response refused = admin.send("PUT", "/v1/policies/user:*,tool:canon", limit(2), CREATE_ONLY);
    assertThat(refused.status()).as(refused.toString()).isEqualTo(412);
    assertThat(refused.json().get("selector").asText()).isEqualTo("tool:canon,user:*");
  }

  /**
   * A condition the server cannot honour is refused by name, never ignored into a replace or a
   * delete. (If-Match is honoured: {@link PolicyETagTest}.)
   */
  @ParameterizedTest(name = "{0} {1}: {2}")
  @CsvSource(delimiter = '|', value = {
      "PUT    | If-None-Match | \"v1\"        | If-None-Match",
      "PUT    | If-None-Match | W/\"v1\"      | If-None-Match",
      "PUT    | If-None-Match | *, \"v1\"     | If-None-Match",
      "DELETE | If-None-Match | *             | If-None-Match"})
  void anUnsupportedConditionIsRefusedNamingItsHeader(String method, String header, String value, String field) {
    assertThat(admin.put("/v1/policies/team:cond", limit(3)).status()).isIn(200, 201);
    String before = state("team:cond");

    Api.Response r = admin.send(method.strip(), "/v1/policies/team:cond", method.strip().equals("PUT") ? limit(300) : null,
        header.strip(), value.strip());
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.json().get("field").asText()).isEqualTo(field.strip());
    assertThat(state("team:cond")).isEqualTo(before);
  }

  @Test
  void createOnlyGivenTwiceOrWithIfMatchIsRefused() {
    String before = state("team:twice");
    Api.Response twice = admin.send("PUT", "/v1/policies/team:twice", limit(1), "If-None-Match", "*", "If-None-Match", "*");
    assertThat(twice.status()).as(twice.toString()).isEqualTo(400);
    assertThat(twice.json().get("field").asText()).isEqualTo("If-None-Match");
    Api.Response both = admin.send("PUT", "/v1/policies/team:twice", limit(1), "If-None-Match", "*", "If-Match", "*");
    assertThat(both.status()).as(both.toString()).isEqualTo(400);
    assertThat(both.json().get("field").asText()).isEqualTo("If-Match");
    assertThat(state("team:twice")).isEqualTo(before);
    assertThat(admin.get("/v1/policies/team:twice").status()).isEqualTo(404);
  }

  @Test
  void ofConcurrentCreatesOfOneSelectorExactlyOneIsCreatedAndTheOthersGet412() throws Exception {
    int creators = 8;
    List<Api> servers = servers(); // racing creates are sent to each in turn
    ExecutorService pool = Executors.newFixedThreadPool(creators);
    try {
      for (int round = 0; round < 5; round++) {
        String selector = "project:race" + round;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Api.Response>> answers = new ArrayList<>();
        for (int i = 1; i <= creators; i++) {
          Api api = servers.get(i % servers.size());
          String body = limit(i);
          String reason = "creator" + i;
          answers.add(pool.submit(() -> {
            start.await();
            return api.send("PUT", "/v1/policies/" + selector + "?reason=" + reason, body, CREATE_ONLY);
          }));
        }
        start.countDown();
        List<Integer> winners = new ArrayList<>();
        for (int i = 1; i <= creators; i++) {
          Api.Response r = answers.get(i - 1).get(30, TimeUnit.SECONDS);
          assertThat(r.status()).as("round " + round + ": " + r).isIn(201, 412);
          if (r.status() == 201) {
            winners.add(i);
          }
        }
        assertThat(winners).as("round " + round).hasSize(1);
        int winner = winners.get(0);
        for (Api api : servers) {
          assertThat(api.get("/v1/policies/" + selector).json().at("/rateLimits/0/limit").asLong()).isEqualTo(winner);
        }
        JsonNode entries = admin.get("/v1/audit?target=" + selector).json().get("entries");
        assertThat(entries).hasSize(1);
        assertThat(entries.get(0).get("action").asText()).isEqualTo("policy.create");
        assertThat(entries.get(0).get("reason").asText()).isEqualTo("creator" + winner);
      }
    } finally {
      pool.shutdown();
    }
  }
}
