package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The longest values the API accepts, written in characters outside the Basic Multilingual Plane
 * (each two UTF-16 units, four UTF-8 bytes), are stored whole: the request succeeds and its ledger
 * row, audit entry or alert is written. One character more is refused with a 400 naming the field,
 * before anything changes. Runs on the embedded H2 database here and on PostgreSQL in a subclass.
 */
class LongestValidTextTest extends ServerSuite {
  static final String EMOJI = "\uD83D\uDE00";
  static final String LONGEST_ID = EMOJI.repeat(128);
  static final String LONGEST_REASON = EMOJI.repeat(1000);
  /** Two scopes of 32 letters, each with the longest identifier: the longest selector there is. */
  static final String LONGEST_PAIR = "a".repeat(32) + ":" + LONGEST_ID + "," + "b".repeat(32) + ":" + LONGEST_ID;

  /** Sixteen subjects (the five with columns of their own among them) with the longest identifiers. */
  private static String longestSubjects(String user) {
    StringBuilder s = new StringBuilder("{\"user\":\"" + user + "\"");
    for (String scope : new String[] {"team", "project", "tool", "provider"}) {
      s.append(",\"").append(scope).append("\":\"").append(LONGEST_ID).append('"');
    }
    for (int i = 0; i < 11; i++) {
      s.append(",\"").append(String.valueOf((char) ('c' + i)).repeat(32)).append("\":\"").append(LONGEST_ID).append('"');
    }
    return s.append('}').toString();
  }

  /** Sixteen meters with the longest names; the engine adds {@code requests} as a seventeenth. */
  private static String longestMeters() {
    StringBuilder s = new StringBuilder("{");
    for (int i = 0; i < 16; i++) {
      s.append(i == 0 ? "" : ",").append('"').append(String.valueOf((char) ('a' + i)).repeat(32)).append("\":9007199254740991");
    }
    return s.append('}').toString();
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private JsonNode userReport(String user) {
    Api.Response r = admin.get("/v1/reports/costs?scope=user&id=" + encode(user) + "&groupBy=tool");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.json();
  }

  @Test
  void recordedUsageWithTheLongestSubjectsKeyAndMetersIsCharged() {
    String user = EMOJI.repeat(127) + "r";
    Api.Response r = admin.post("/v1/usage", "{\"subjects\":" + longestSubjects(user) + ",\"cost\":\"1.25\","
        + "\"meters\":" + longestMeters() + ",\"idempotencyKey\":\"" + EMOJI.repeat(127) + "r\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);

    JsonNode report = userReport(user);
    assertThat(report.get("total").asText()).isEqualTo("1.25");
    assertThat(report.get("rows").get(0).get("group").asText()).isEqualTo(LONGEST_ID);
    assertThat(report.get("rows").get(0).get("entries").asInt()).isEqualTo(1);
  }

  @Test
  void aCommittedReservationOfTheLongestSubjectsIsInTheLedger() {
    String user = EMOJI.repeat(127) + "c";
    Api.Response reserved = admin.post("/v1/reservations", "{\"subjects\":" + longestSubjects(user) + ",\"estimatedCost\":\"2\"}");
    assertThat(reserved.status()).as(reserved.toString()).isEqualTo(201);
    String id = reserved.json().get("reservationId").asText();
    Api.Response committed = admin.post("/v1/reservations/" + id + "/commit", "{\"actualCost\":\"1.00\"}");
    assertThat(committed.status()).as(committed.toString()).isEqualTo(200);
    assertThat(committed.json().get("repeated").asBoolean()).isFalse();

    assertThat(userReport(user).get("total").asText()).isEqualTo("1.00");
  }

  @Test
  void oneCharacterMoreInAnIdentifierOrKeyIsRefusedByName() {
    String user = EMOJI.repeat(127) + "x";
    String tooLong = LONGEST_ID + EMOJI;
    assertRefused(admin.post("/v1/usage", "{\"subjects\":{\"user\":\"" + user + "\",\"team\":\"" + tooLong + "\"},\"cost\":\"1\"}"),
        "subjects.team", "must be at most 128 characters");
    assertRefused(admin.post("/v1/usage", "{\"subjects\":{\"user\":\"" + user + "\"},\"cost\":\"1\",\"idempotencyKey\":\"" + tooLong + "\"}"),
        "idempotencyKey", "must be at most 128 characters");
    assertThat(userReport(user).get("rows")).isEmpty();
  }

  @Test
  void aResetWithTheLongestReasonIsAudited() {
    String user = EMOJI.repeat(127) + "z";
    admin.put("/v1/policies/user:*", "{\"rateLimits\":[{\"limit\":1000,\"window\":\"PT1H\"}]}");
    assertThat(admin.post("/v1/reservations", "{\"subjects\":{\"user\":\"" + user + "\"}}").status()).isEqualTo(201);
    String usage = "/v1/usage/user/" + encode(user);
    String spent = admin.get(usage).body();

    assertRefused(admin.post("/v1/subjects/user/" + encode(user) + "/reset", "{\"reason\":\"" + LONGEST_REASON + EMOJI + "\"}"),
        "reason", "must be at most 1000 characters");
    assertThat(admin.get(usage).body()).isEqualTo(spent);

    Api.Response reset = admin.post("/v1/subjects/user/" + encode(user) + "/reset", "{\"reason\":\"" + LONGEST_REASON + "\"}");
    assertThat(reset.status()).as(reset.toString()).isEqualTo(204);
    JsonNode entry = admin.get("/v1/audit?action=subject.reset").json().get("entries").get(0);
    assertThat(entry.get("target").asText()).isEqualTo("user:" + user);
    assertThat(entry.get("reason").asText()).isEqualTo(LONGEST_REASON);

    // The same reason in the query string, percent-encoded: 12,000 bytes of the request line.
    Api.Response byQuery = admin.post("/v1/subjects/user/" + encode(user) + "/reset?reason=" + encode(LONGEST_REASON), null);
    assertThat(byQuery.status()).as(byQuery.toString()).isEqualTo(204);
    assertThat(admin.get("/v1/audit?action=subject.reset").json().get("entries").get(0).get("reason").asText())
        .isEqualTo(LONGEST_REASON);
    assertRefused(admin.post("/v1/subjects/user/" + encode(user) + "/reset?reason=" + encode(LONGEST_REASON + EMOJI), null),
        "reason", "must be at most 1000 characters");
  }

  @Test
  void theLongestSelectorTakesAPolicyAnOverrideAndRaisesAnAlert() throws InterruptedException {
    String path = "/v1/policies/" + encode(LONGEST_PAIR);
    // Reasons of PUT and DELETE travel in the URL: the longest reason after the longest selector,
    // 15 KB of percent-escapes, is the longest valid request line there is. It was answered 414.
    String reason = "?reason=" + encode(LONGEST_REASON);
    Api.Response put = admin.put(path + reason, "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"},\"alertThresholds\":[0.5]}");
    assertThat(put.status()).as(put.toString()).isEqualTo(201);
    assertThat(admin.get(path).json().get("selector").asText()).isEqualTo(LONGEST_PAIR);
    JsonNode created = admin.get("/v1/audit?action=policy.create").json().get("entries").get(0);
    assertThat(created.get("target").asText()).isEqualTo(LONGEST_PAIR);
    assertThat(created.get("reason").asText()).isEqualTo(LONGEST_REASON);

    String subjects = "{\"" + "a".repeat(32) + "\":\"" + LONGEST_ID + "\",\"" + "b".repeat(32) + "\":\"" + LONGEST_ID + "\"}";
    Api.Response spent = admin.post("/v1/usage", "{\"subjects\":" + subjects + ",\"cost\":\"0.60\"}");
    assertThat(spent.status()).as(spent.toString()).isEqualTo(200);
    assertThat(server.server().quota().drainAlerts(java.time.Duration.ofSeconds(10))).isTrue();
    JsonNode alert = admin.get("/v1/alerts?policy=" + encode(LONGEST_PAIR)).json().get("alerts").get(0);
    assertThat(alert.get("subject").asText()).isEqualTo(LONGEST_PAIR);

    Api.Response override = admin.post("/v1/overrides",
        "{\"selector\":\"" + LONGEST_PAIR + "\",\"bypass\":true,\"duration\":\"PT1H\",\"reason\":\"" + LONGEST_REASON + "\"}");
    assertThat(override.status()).as(override.toString()).isEqualTo(201);
    String id = override.json().get("id").asText();
    JsonNode audited = admin.get("/v1/audit?action=override.create").json().get("entries").get(0);
    assertThat(audited.get("target").asText()).isEqualTo(LONGEST_PAIR + " #" + id);
    assertThat(audited.get("reason").asText()).isEqualTo(LONGEST_REASON);
    assertThat(admin.delete("/v1/overrides/" + id + reason).status()).isEqualTo(204);
    assertThat(admin.get("/v1/audit?action=override.revoke").json().get("entries").get(0).get("target").asText())
        .isEqualTo(LONGEST_PAIR + " #" + id);

    assertThat(admin.delete(path + reason).status()).isEqualTo(204);
    assertThat(admin.get("/v1/audit?action=policy.delete").json().get("entries").get(0).get("target").asText())
        .isEqualTo(LONGEST_PAIR);
  }

  @Test
  void oneCharacterMoreInASelectorOrReasonIsRefusedByName() {
    String before = admin.get("/v1/policies").body() + admin.get("/v1/audit").body() + admin.get("/v1/overrides").body();
    String tooLong = "a".repeat(32) + ":" + LONGEST_ID + EMOJI + ",b:x";
    assertRefused(admin.put("/v1/policies/" + encode(tooLong), "{\"concurrency\":1}"), "selector.id", "must be at most 128 characters");
    assertRefused(admin.post("/v1/overrides", "{\"selector\":\"user:x\",\"bypass\":true,\"duration\":\"PT1H\",\"reason\":\""
        + LONGEST_REASON + EMOJI + "\"}"), "reason", "must be at most 1000 characters");
    assertThat(admin.get("/v1/policies").body() + admin.get("/v1/audit").body() + admin.get("/v1/overrides").body())
        .isEqualTo(before);
  }

  private static void assertRefused(Api.Response r, String field, String rule) {
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.json().get("field").asText()).isEqualTo(field);
    assertThat(r.json().get("rule").asText()).isEqualTo(rule);
  }
}
