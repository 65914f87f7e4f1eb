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

/**
 * Policies carry an ETag made from their content, and a PUT or DELETE with {@code If-Match}
 * changes only the version it names: a stale or missing one is answered 412 and nothing changes,
 * not even the audit trail. On the embedded defaults (H2); {@link PostgresPolicyETagTest} runs the
 * same with two servers sharing one PostgreSQL database.
 */
class PolicyETagTest extends ServerSuite {
  /** The content of {@link #RESPELLED}, written as the API writes it back. */
  static final String BUDGETED = "{\"rateLimits\":[{\"limit\":60,\"window\":\"PT1M\"}],"
      + "\"budget\":{\"currency\":\"USD\",\"daily\":\"10.00\",\"timezone\":\"UTC\"},\"alertThresholds\":[0.8,0.9]}";
  /** Every default given, amounts, thresholds, zone and window spelled otherwise, fields in another order. */
  static final String RESPELLED = "{\"failMode\":\"closed\",\"mode\":\"enforce\",\"alertThresholds\":[0.90,0.80],"
      + "\"budget\":{\"resetDay\":1,\"resetTime\":\"00:00\",\"timezone\":\"Etc/UTC\",\"daily\":\"10\",\"currency\":\"USD\"},"
      + "\"rateLimits\":[{\"algorithm\":\"sliding_window\",\"window\":\"PT60S\",\"limit\":60,\"meter\":\"requests\"}]}";

  static String limit(long perMinute) {
    return "{\"rateLimits\":[{\"limit\":" + perMinute + ",\"window\":\"PT1M\"}]}";
  }

  /** The selector's policy and its audit entries, as the API shows them. */
  String state(String selector) {
    return admin.get("/v1/policies/" + selector).body() + "\n" + admin.get("/v1/audit?target=" + selector).body();
  }

  /** The tag the list gives the selector's policy. */
  static String listed(Api api, String selector) {
    for (JsonNode p : api.get("/v1/policies").json().get("policies")) {
      if (p.get("selector").asText().equals(selector)) {
        return p.get("etag").asText();
      }
    }
    throw new AssertionError("not listed: " + selector);
  }

  static String tagOf(Api api, String selector) {
    Api.Response r = api.get("/v1/policies/" + selector);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.header("ETag");
  }

  @Test
  void theTagIsTheSameForTheSameContentEverywhereAndChangesWithIt() {
    Api.Response created = admin.put("/v1/policies/team:tagged", BUDGETED);
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    String tag = created.header("ETag");
    assertThat(tag).matches("\"[0-9a-f]{32}\"");
    for (Api api : servers()) {
      assertThat(tagOf(api, "team:tagged")).isEqualTo(tag);
      assertThat(api.send("HEAD", "/v1/policies/team:tagged", null).header("ETag")).isEqualTo(tag);
      assertThat(listed(api, "team:tagged")).isEqualTo(tag);
    }

    Api.Response same = admin.put("/v1/policies/team:tagged", RESPELLED);
    assertThat(same.status()).as(same.toString()).isEqualTo(200);
    assertThat(same.header("ETag")).isEqualTo(tag);
    assertThat(admin.put("/v1/policies/team:other", RESPELLED).header("ETag")).isEqualTo(tag);

    Api.Response changed = admin.put("/v1/policies/team:tagged", BUDGETED.replace("\"limit\":60", "\"limit\":61"));
    String next = changed.header("ETag");
    assertThat(next).matches("\"[0-9a-f]{32}\"").isNotEqualTo(tag);
    for (Api api : servers()) {
      assertThat(tagOf(api, "team:tagged")).isEqualTo(next);
      assertThat(listed(api, "team:tagged")).isEqualTo(next);
    }
    // Made from content alone: the same content has its old tag again.
    assertThat(admin.put("/v1/policies/team:tagged", BUDGETED).header("ETag")).isEqualTo(tag);
  }

  /**
   * A GET naming the current tag in If-None-Match is answered 304 with the tag and no body, as the
   * API document says; any other value gets the policy in full.
   */
  @Test
  void aGetNamingTheCurrentTagIsAnswered304() {
    String tag = admin.put("/v1/policies/team:cached", BUDGETED).header("ETag");
    Api.Response unchanged = admin.send("GET", "/v1/policies/team:cached", null, "If-None-Match", tag);
    assertThat(unchanged.status()).as(unchanged.toString()).isEqualTo(304);
    assertThat(unchanged.header("ETag")).isEqualTo(tag);
    assertThat(unchanged.body()).isEmpty();
    Api.Response stale = admin.send("GET", "/v1/policies/team:cached", null, "If-None-Match", "\"0123456789abcdef0123456789abcdef\"");
    assertThat(stale.status()).as(stale.toString()).isEqualTo(200);
    assertThat(stale.json().get("selector").asText()).isEqualTo("team:cached");
    JsonNode documented = admin.get("/openapi.json").json().at("/paths/~1v1~1policies~1{selector}/get/responses/304");
    assertThat(documented.isMissingNode()).as("304 documented for GET /v1/policies/{selector}").isFalse();
    assertThat(documented.at("/headers/ETag").isMissingNode()).isFalse();
  }

  @Test
  void theTagOutlivesARestart() {
    TestServer first = TestServer.embedded();
    String tag = first.admin.put("/v1/policies/team:kept", BUDGETED).header("ETag");
    try (TestServer restarted = first.restart(java.time.Clock.systemUTC())) {
      assertThat(tagOf(restarted.admin, "team:kept")).isEqualTo(tag);
    }
  }

  @Test
  void aMatchingTagReplacesAndDeletes() {
    String first = admin.put("/v1/policies/team:match", limit(1)).header("ETag");

    Api.Response replaced = admin.send("PUT", "/v1/policies/team:match?reason=raised", limit(2), "If-Match", first);
    assertThat(replaced.status()).as(replaced.toString()).isEqualTo(200);
    String second = replaced.header("ETag");
    assertThat(second).isNotEqualTo(first).isEqualTo(tagOf(admin, "team:match"));
    JsonNode entry = admin.get("/v1/audit?target=team:match").json().get("entries").get(0);
    assertThat(entry.get("action").asText()).isEqualTo("policy.update");
    assertThat(entry.get("reason").asText()).isEqualTo("raised");

    // A list of tags, over one line or several, matches if one of them is the current one.
    Api.Response listedTags = admin.send("PUT", "/v1/policies/team:match", limit(3), "If-Match", "\"0000\", " + second);
    assertThat(listedTags.status()).as(listedTags.toString()).isEqualTo(200);
    Api.Response twoLines = admin.send("PUT", "/v1/policies/team:match", limit(4),
        "If-Match", "\"0000\"", "If-Match", listedTags.header("ETag"));
    assertThat(twoLines.status()).as(twoLines.toString()).isEqualTo(200);
    // * matches any policy.
    Api.Response any = admin.send("PUT", "/v1/policies/team:match", limit(5), "If-Match", "*");
    assertThat(any.status()).as(any.toString()).isEqualTo(200);
    assertThat(admin.get("/v1/policies/team:match").json().at("/rateLimits/0/limit").asLong()).isEqualTo(5);

    Api.Response deleted = admin.send("DELETE", "/v1/policies/team:match?reason=gone", null, "If-Match", any.header("ETag"));
    assertThat(deleted.status()).as(deleted.toString()).isEqualTo(204);
    assertThat(admin.get("/v1/policies/team:match").status()).isEqualTo(404);
    assertThat(admin.get("/v1/audit?target=team:match").json().get("entries").get(0).get("action").asText())
        .isEqualTo("policy.delete");
    Api.Response deletedAny = admin.send("DELETE", "/v1/policies/team:match", null, "If-Match", "*");
    assertThat(deletedAny.status()).as(deletedAny.toString()).isEqualTo(412);
  }

  @Test
  void aStaleTagIsRefusedWith412NamingTheCurrentOneAndChangesNothing() {
    String stale = admin.put("/v1/policies/team:stale", limit(1)).header("ETag");
    String current = admin.put("/v1/policies/team:stale?reason=theirs", limit(2)).header("ETag");
    String before = state("team:stale");

    for (Api.Response refused : List.of(
        admin.send("PUT", "/v1/policies/team:stale?reason=mine", limit(3), "If-Match", stale),
        admin.send("DELETE", "/v1/policies/team:stale?reason=mine", null, "If-Match", stale))) {
      assertThat(refused.status()).as(refused.toString()).isEqualTo(412);
      assertThat(refused.contentType()).isEqualTo("application/problem+json; charset=utf-8");
      JsonNode problem = refused.json();
      assertThat(problem.get("type").asText()).isEqualTo("urn:quota:problem:precondition-failed");
      assertThat(problem.get("field").asText()).isEqualTo("If-Match");
      assertThat(problem.get("rule").asText())
          .isEqualTo("the policy for team:stale has ETag " + current + ", which If-Match does not name");
      assertThat(problem.get("detail").asText()).endsWith("; nothing was changed");
      assertThat(problem.get("etag").asText()).isEqualTo(current);
      assertThat(problem.get("selector").asText()).isEqualTo("team:stale");
    }
    // If-Match compares strongly: the current tag made weak does not match.
    Api.Response weak = admin.send("PUT", "/v1/policies/team:stale", limit(3), "If-Match", "W/" + current);
    assertThat(weak.status()).as(weak.toString()).isEqualTo(412);

    assertThat(state("team:stale")).isEqualTo(before);
    assertThat(tagOf(admin, "team:stale")).isEqualTo(current);
  }

  @Test
  void ifMatchOnASelectorWithoutAPolicyIsRefusedWith412AndCreatesNothing() {
    String tag = admin.put("/v1/policies/team:elsewhere", limit(1)).header("ETag");
    for (Api.Response refused : List.of(
        admin.send("PUT", "/v1/policies/team:none", limit(1), "If-Match", "*"),
        admin.send("PUT", "/v1/policies/team:none", limit(1), "If-Match", tag),
        admin.send("DELETE", "/v1/policies/team:none", null, "If-Match", "*"),
        admin.send("DELETE", "/v1/policies/team:none", null, "If-Match", tag))) {
      assertThat(refused.status()).as(refused.toString()).isEqualTo(412);
      assertThat(refused.json().get("field").asText()).isEqualTo("If-Match");
      assertThat(refused.json().get("rule").asText()).isEqualTo("no policy for team:none exists");
      assertThat(refused.json().has("etag")).isFalse();
    }
    assertThat(admin.get("/v1/policies/team:none").status()).isEqualTo(404);
    assertThat(admin.get("/v1/audit?target=team:none").json().get("entries")).isEmpty();
  }

  @Test
  void aMalformedIfMatchIsRefusedWith400NamingItAndChangesNothing() {
    String tag = admin.put("/v1/policies/team:malformed", limit(1)).header("ETag");
    String before = state("team:malformed");
    String bare = tag.substring(1, tag.length() - 1);
    List<List<String>> conditions = List.of(
        List.of(bare), List.of("\"" + bare), List.of("W/" + bare), List.of(tag + " " + tag), List.of(tag + "x"),
        List.of("*, " + tag), List.of("*", "*"), List.of(""), List.of(", ,"), List.of("\"a b\""));
    for (List<String> values : conditions) {
      for (String method : List.of("PUT", "DELETE")) {
        List<String> headers = new ArrayList<>();
        values.forEach(v -> headers.addAll(List.of("If-Match", v)));
        Api.Response r = admin.send(method, "/v1/policies/team:malformed", method.equals("PUT") ? limit(2) : null,
            headers.toArray(String[]::new));
        assertThat(r.status()).as(method + " " + values + ": " + r).isEqualTo(400);
        assertThat(r.json().get("field").asText()).isEqualTo("If-Match");
        assertThat(r.json().get("rule").asText())
            .isEqualTo("must be * or a list of entity tags, each in double quotes as the ETag header gives them");
      }
    }
    Api.Response both = admin.send("PUT", "/v1/policies/team:malformed", limit(2), "If-Match", tag, "If-None-Match", "*");
    assertThat(both.status()).as(both.toString()).isEqualTo(400);
    assertThat(both.json().get("field").asText()).isEqualTo("If-Match");
    assertThat(both.json().get("rule").asText()).contains("cannot be combined with If-None-Match");
    assertThat(state("team:malformed")).isEqualTo(before);
  }

  /**
   * Admins who all loaded one version save at once, through every server: exactly one write, a
   * replace or a delete, succeeds; every other is answered 412 and leaves no audit entry.
   */
  @Test
  void ofConcurrentWritersSendingOneTagExactlyOneWins() throws Exception {
    int writers = 8;
    List<Api> servers = servers();
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      for (int round = 0; round < 6; round++) {
        String selector = "project:race" + round;
        String loaded = admin.put("/v1/policies/" + selector + "?reason=loaded", limit(1000)).header("ETag");
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Api.Response>> answers = new ArrayList<>();
        for (int i = 1; i <= writers; i++) {
          Api api = servers.get(i % servers.size());
          boolean deletes = (i + round) % 4 == 0;
          String path = "/v1/policies/" + selector + "?reason=writer" + i;
          String body = limit(i);
          answers.add(pool.submit(() -> {
            start.await();
            return deletes ? api.send("DELETE", path, null, "If-Match", loaded) : api.send("PUT", path, body, "If-Match", loaded);
          }));
        }
        start.countDown();
        List<Integer> winners = new ArrayList<>();
        for (int i = 1; i <= writers; i++) {
          Api.Response r = answers.get(i - 1).get(30, TimeUnit.SECONDS);
          assertThat(r.status()).as("round " + round + ": " + r).isIn(200, 204, 412);
          if (r.status() != 412) {
            winners.add(i);
          }
        }
        assertThat(winners).as("round " + round).hasSize(1);
        int winner = winners.get(0);
        boolean deleted = (winner + round) % 4 == 0;
        for (Api api : servers) {
          Api.Response inForce = api.get("/v1/policies/" + selector);
          if (deleted) {
            assertThat(inForce.status()).isEqualTo(404);
          } else {
            assertThat(inForce.json().at("/rateLimits/0/limit").asLong()).isEqualTo(winner);
          }
        }
        JsonNode entries = admin.get("/v1/audit?target=" + selector).json().get("entries");
        assertThat(entries).as("round " + round).hasSize(2);
        assertThat(entries.get(0).get("action").asText()).isEqualTo(deleted ? "policy.delete" : "policy.update");
        assertThat(entries.get(0).get("reason").asText()).isEqualTo("writer" + winner);
      }
    } finally {
      pool.shutdown();
    }
  }
}
