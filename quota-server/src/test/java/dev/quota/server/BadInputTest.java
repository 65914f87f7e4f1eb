package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every kind of bad input gets a 4xx problem+json that names the field and the rule, and changes
 * nothing: after each one, the subject's counters, the policies and the audit trail are as before.
 */
class BadInputTest {
  @RegisterExtension
  static final SharedServer server = SharedServer.embedded();

  @BeforeAll
  static void policy() {
    server.admin().put("/v1/policies/user:*", "{\"rateLimits\":[{\"limit\":1000,\"window\":\"PT1H\"}],\"budget\":{\"currency\":\"USD\",\"daily\":\"100.00\"}}");
  }

  static Stream<Arguments> badBodies() {
    String longId = "x".repeat(129);
    return Stream.of(
        Arguments.of("POST", "/v1/reservations", "{\"subjects\":{\"user\":\"bad\"", 400, "body"),
        Arguments.of("POST", "/v1/reservations", "[1,2]", 400, "body"),
        Arguments.of("POST", "/v1/reservations", "", 400, "body"),
        Arguments.of("POST", "/v1/reservations", forBad("\"surprise\":1"), 400, "surprise"),
        Arguments.of("POST", "/v1/reservations", forBad("\"subjects\":{\"user\":\"other\"}"), 400, "body"),
        Arguments.of("POST", "/v1/reservations", "{\"subjects\":\"user:bad\"}", 400, "subjects"),
        Arguments.of("POST", "/v1/reservations", "{\"subjects\":{\"user\":7}}", 400, "subjects.user"),
        Arguments.of("POST", "/v1/reservations", "{\"subjects\":{}}", 400, "subjects"),
        Arguments.of("POST", "/v1/reservations", "{\"subjects\":{\"User\":\"bad\"}}", 400, "subjects.User"),
        Arguments.of("POST", "/v1/check", "{\"subjects\":{\"User\":\"d1\"}}", 400, "subjects.User"),
        // a dry run holds nothing and repeats nothing: these would be ignored
        Arguments.of("POST", "/v1/check", "{\"subjects\":{\"user\":\"d1\"},\"ttl\":\"PT1M\"}", 400, "ttl"),
        Arguments.of("POST", "/v1/check", "{\"subjects\":{\"user\":\"d1\"},\"idempotencyKey\":\"k1\"}", 400, "idempotencyKey"),
        Arguments.of("POST", "/v1/check", "{\"subjects\":{\"user\":\"bad\",\"team-x\":\"t\"}}", 400, "subjects.team-x"),
        Arguments.of("POST", "/v1/reservations", forBad("\"meters\":{\"Tokens\":1}"), 400, "meters.Tokens"),
        Arguments.of("POST", "/v1/usage", forBad("\"meters\":{\"Tokens\":1}"), 400, "meters.Tokens"),
        Arguments.of("POST", "/v1/reservations", "{\"subjects\":{\"user\":\"" + longId + "\"}}", 400, "subjects.user"),
        Arguments.of("POST", "/v1/reservations", forBad("\"estimatedCost\":\"-1\""), 400, "estimatedCost"),
        Arguments.of("POST", "/v1/reservations", forBad("\"estimatedCost\":\"abc\""), 400, "estimatedCost"),
        Arguments.of("POST", "/v1/reservations", forBad("\"estimatedCost\":\"NaN\""), 400, "estimatedCost"),
        Arguments.of("POST", "/v1/reservations", forBad("\"estimatedCost\":\"0.0000000001\""), 400, "estimatedCost"),
        Arguments.of("POST", "/v1/reservations", forBad("\"estimatedCost\":\"99999999999999999999\""), 400, "estimatedCost"),
        Arguments.of("POST", "/v1/reservations", forBad("\"estimatedCost\":0.05"), 400, "estimatedCost"),
        Arguments.of("POST", "/v1/reservations", forBad("\"estimatedCost\":\"1e3\""), 400, "estimatedCost"),
        // a reserved call is one request: 0 would pass every request limit
        Arguments.of("POST", "/v1/reservations", forBad("\"meters\":{\"requests\":0}"), 400, "meters.requests"),
        Arguments.of("POST", "/v1/reservations", forBad("\"meters\":{\"tokens\":-5}"), 400, "meters.tokens"),
        Arguments.of("POST", "/v1/reservations", forBad("\"meters\":{\"tokens\":1.5}"), 400, "meters.tokens"),
        Arguments.of("POST", "/v1/reservations", forBad("\"meters\":{\"tokens\":99999999999999999999}"), 400, "meters.tokens"),
        Arguments.of("POST", "/v1/reservations", forBad("\"ttl\":\"forever\""), 400, "ttl"),
        Arguments.of("POST", "/v1/reservations", forBad("\"ttl\":\"P30D\""), 400, "ttl"),
        Arguments.of("POST", "/v1/reservations", forBad("\"idempotencyKey\":\"" + longId + "\""), 400, "idempotencyKey"),
        Arguments.of("POST", "/v1/check", forBad("\"estimatedCost\":\"-0.01\""), 400, "estimatedCost"),
        Arguments.of("POST", "/v1/usage", forBad("\"cost\":\"1.0000000001\""), 400, "cost"),
        Arguments.of("POST", "/v1/usage", forBad("\"estimatedCost\":\"1\""), 400, "estimatedCost"),
        Arguments.of("POST", "/v1/reservations/nope/commit", "{\"actualCost\":\"0.01\"}", 404, null),
        Arguments.of("POST", "/v1/reservations/" + "r".repeat(65) + "/commit", "{\"actualCost\":\"0.01\"}", 400, "reservationId"),
        Arguments.of("POST", "/v1/reservations/nope/commit", "{\"actualCost\":\"-0.01\"}", 400, "actualCost"),
        // An id with a control or invisible character (here U+202E, which turns text right to left) is no id at all.
        Arguments.of("POST", "/v1/reservations/a%E2%80%AEb/commit", "{\"actualCost\":\"0.01\"}", 400, "reservationId"),
        Arguments.of("POST", "/v1/reservations/a%E2%80%AEb/release", null, 400, "reservationId"),
        Arguments.of("DELETE", "/v1/overrides/a%E2%80%AEb", null, 400, "id"),
        Arguments.of("DELETE", "/v1/keys/a%E2%80%AEb", null, 400, "name"),
        Arguments.of("POST", "/v1/reservations/nope/release", "{\"x\":1}", 400, "x"),
        Arguments.of("PUT", "/v1/policies/user:bad", "{\"rateLimits\":[{\"limit\":0,\"window\":\"PT1M\"}]}", 400, "rateLimits[0].limit"),
        Arguments.of("PUT", "/v1/policies/user:bad", "{\"rateLimits\":[{\"limit\":5,\"window\":\"PT1M\",\"extra\":true}]}", 400, "rateLimits[0].extra"),
        Arguments.of("PUT", "/v1/policies/user:bad", "{\"budget\":{\"currency\":\"USD\",\"daily\":\"-5\"}}", 400, "budget.daily"),
        Arguments.of("PUT", "/v1/policies/user:bad", "{}", 400, "policy"),
        Arguments.of("PUT", "/v1/policies/user:bad", "{\"budget\":{\"currency\":\"ZZZ\",\"daily\":\"5\"}}", 400, "budget.currency"),
        Arguments.of("POST", "/v1/overrides", "{\"selector\":\"user:bad\",\"limits\":{\"budget\":{\"currency\":\"UDS\",\"daily\":\"5\"}},\"duration\":\"PT1H\",\"reason\":\"r\"}", 400, "limits.budget.currency"),
        Arguments.of("PUT", "/v1/policies/user:bad", "{\"concurrency\":1,\"alertThresholds\":[0.5,0.5]}", 400, "alertThresholds[1]"),
        Arguments.of("PUT", "/v1/policies/user:bad", "{\"concurrency\":1,\"alertThresholds\":[1e-400]}", 400, "alertThresholds[0]"),
        Arguments.of("PUT", "/v1/policies/nocolon", "{\"concurrency\":1}", 400, "selector"),
        Arguments.of("POST", "/v1/overrides", "{\"selector\":\"user:bad\",\"bypass\":true,\"reason\":\"x\"}", 400, "expiresAt"),
        Arguments.of("POST", "/v1/overrides", "{\"selector\":\"user:bad\",\"limits\":{},\"duration\":\"PT1H\",\"reason\":\"r\"}", 400, "limits"),
        Arguments.of("POST", "/v1/overrides", "{\"selector\":\"user:bad\",\"limits\":{\"mode\":\"shadow\"},\"duration\":\"PT1H\",\"reason\":\"r\"}", 400, "limits"),
        Arguments.of("POST", "/v1/overrides", override("\"expiresAt\":\"+999999999-12-31T23:59:59Z\""), 400, "expiresAt"),
        Arguments.of("POST", "/v1/overrides", override("\"expiresAt\":\"+1000000000-12-31T23:59:59Z\""), 400, "expiresAt"),
        Arguments.of("POST", "/v1/overrides", override("\"expiresAt\":\"2000-01-01T00:00:00Z\""), 400, "expiresAt"),
        Arguments.of("POST", "/v1/overrides", override("\"duration\":\"P365000000D\""), 400, "duration"),
        Arguments.of("POST", "/v1/overrides", override("\"duration\":\"P36500D\""), 400, "duration"),
        Arguments.of("POST", "/v1/overrides", override("\"duration\":\"P3651D\""), 400, "duration"),
        Arguments.of("POST", "/v1/overrides", override("\"duration\":\"PT0.001S\""), 400, "duration"),
        Arguments.of("POST", "/v1/overrides", "{\"selector\":\"user:bad\",\"bypass\":true,\"duration\":\"PT1H\",\"reason\":\"nul \\u0000 here\"}", 400, "reason"),
        Arguments.of("POST", "/v1/overrides", "{\"selector\":\"user:bad\",\"bypass\":true,\"duration\":\"PT1H\",\"reason\":\"\\u001b[31mred\"}", 400, "reason"),
        Arguments.of("POST", "/v1/subjects/user/bad/reset", "{\"reason\":\"\\u001b[2J\"}", 400, "reason"),
        Arguments.of("PUT", "/v1/policies/user:bad?reason=%1B%5B31m", "{\"concurrency\":1}", 400, "reason"),
        Arguments.of("DELETE", "/v1/policies/user:*?reason=%00", null, 400, "reason"),
        Arguments.of("POST", "/v1/keys", "{\"name\":\"v\",\"role\":\"viewer\"}", 400, "subjects"),
        Arguments.of("POST", "/v1/keys", "{\"name\":\"v\",\"role\":\"root\"}", 400, "role"),
        Arguments.of("POST", "/v1/keys", "{\"name\":\"v\",\"role\":\"viewer\",\"subjects\":[\"User:a\"]}", 400, "subjects[0]"),
        Arguments.of("POST", "/v1/keys", "{\"name\":\"v\",\"role\":\"viewer\",\"subjects\":[\"user\"]}", 400, "subjects[0]"),
        Arguments.of("POST", "/v1/keys", "{\"name\":\"v\",\"role\":\"viewer\",\"subjects\":[\"user:a\\nb\"]}", 400, "subjects[0]"),
        Arguments.of("POST", "/v1/keys", "{\"name\":\"v\",\"role\":\"viewer\",\"subjects\":[\"user:a\",\"team:\"]}", 400, "subjects[1]"),
        // Exponents past what a decimal holds, or past any field's need, are refused by field.
        Arguments.of("PUT", "/v1/policies/user:bad", "{\"budget\":{\"currency\":\"USD\",\"daily\":1E+2147483648}}", 400, "budget.daily"),
        Arguments.of("PUT", "/v1/policies/user:bad", "{\"rateLimits\":[{\"limit\":5,\"window\":\"PT1M\"}],\"alertThresholds\":[1e-999999999]}", 400, "alertThresholds[0]"),
        Arguments.of("POST", "/v1/check", forBad("\"estimatedCost\":1e2147483648"), 400, "estimatedCost"),
        Arguments.of("POST", "/v1/reservations", forBad("\"estimatedCost\":1e2147483648"), 400, "estimatedCost"),
        Arguments.of("POST", "/v1/usage", forBad("\"meters\":{\"tokens\":-1E-2147483649}"), 400, "meters.tokens"),
        Arguments.of("POST", "/v1/keys", "{\"name\":1e2147483648,\"role\":\"admin\"}", 400, "name"),
        Arguments.of("POST", "/v1/overrides", "{\"selector\":\"user:bad\",\"limits\":{\"rateLimits\":[{\"limit\":1e2147483648}]}}", 400, "limits.rateLimits[0].limit"),
        Arguments.of("POST", "/v1/reservations/nope/commit", "{\"actualCost\":1e2147483648}", 400, "actualCost"),
        Arguments.of("POST", "/v1/reservations/nope/release", "[0, 1e2147483648]", 400, "body[1]"),
        Arguments.of("POST", "/v1/subjects/user/bad/reset", "1e2147483648", 400, "body"),
        // A field whose name is empty or blank is named as JSON writes it: a bare name named no field.
        Arguments.of("POST", "/v1/subjects/user/bad/reset", "{\"\":1}", 400, "\"\""),
        Arguments.of("POST", "/v1/keys", "{\"name\":\"v\",\"role\":\"admin\",\" \":1}", 400, "\" \""),
        Arguments.of("POST", "/v1/reservations/nope/commit", "{\"actualCost\":\"0.01\",\"\\t\":1}", 400, "\"\\u0009\""),
        Arguments.of("PUT", "/v1/policies/user:bad", "{\"concurrency\":1,\"\":1}", 400, "\"\""),
        Arguments.of("POST", "/v1/overrides", "{\"selector\":\"user:bad\",\"limits\":{\"concurrency\":1,\"\":1},"
            + "\"duration\":\"PT1H\",\"reason\":\"r\"}", 400, "limits.\"\""),
        Arguments.of("POST", "/v1/reservations", "{\"subjects\":{\"user\":\"bad\",\"\":\"x\"}}", 400, "subjects.\"\""),
        Arguments.of("POST", "/v1/check", "{\"subjects\":{\"user\":\"bad\",\" \":7}}", 400, "subjects.\" \""),
        Arguments.of("POST", "/v1/usage", forBad("\"meters\":{\"\":1}"), 400, "meters.\"\""));
  }

  /** A request for user:bad with {@code fields} besides its subjects. */
  private static String forBad(String fields) {
    return "{\"subjects\":{\"user\":\"bad\"}," + fields + "}";
  }

  /** A bypass of user:bad with {@code expiry} (an expiresAt or a duration field). */
  private static String override(String expiry) {
    return "{\"selector\":\"user:bad\",\"bypass\":true," + expiry + ",\"reason\":\"r\"}";
  }

  private static final String STAR_RULE = "must not be *: that is the wildcard of policy selectors";
  private static final String COMMA_RULE = "must not contain ',': that separates the two subjects of a pair";
  private static final String DOT_SEGMENT_RULE = "must not be '.' or '..': a URL path cannot name it, as clients resolve such a segment away";

  /**
   * Every place a request names one concrete subject, given an identifier a selector would read as
   * something else: {@code *}, the wildcard, and one with ',', the separator of a pair's subjects
   * ({@code user:"a,tool:x"} would read as the pair user:a,tool:x in alerts and selectors, where no
   * policy, override or alert filter could name the subject itself).
   */
  static Stream<Arguments> identifiersASelectorReadsOtherwise() {
    return Stream.of(
        Arguments.of("POST", "/v1/check", "{\"subjects\":{\"user\":\"*\"}}", "subjects.user", STAR_RULE),
        Arguments.of("POST", "/v1/reservations", "{\"subjects\":{\"user\":\"bad\",\"team\":\"*\"},\"estimatedCost\":\"1\"}", "subjects.team", STAR_RULE),
        Arguments.of("POST", "/v1/usage", "{\"subjects\":{\"user\":\"*\"},\"cost\":\"1\"}", "subjects.user", STAR_RULE),
        Arguments.of("POST", "/v1/subjects/user/*/reset", "{\"reason\":\"all of them?\"}", "id", STAR_RULE),
        Arguments.of("GET", "/v1/usage/user/*", null, "id", STAR_RULE),
        Arguments.of("GET", "/v1/reports/costs?scope=user&id=*", null, "id", STAR_RULE),
        Arguments.of("POST", "/v1/keys", "{\"name\":\"v\",\"role\":\"viewer\",\"subjects\":[\"user:*\"]}", "subjects[0]", STAR_RULE),
        Arguments.of("POST", "/v1/check", "{\"subjects\":{\"user\":\"a,tool:x\"}}", "subjects.user", COMMA_RULE),
        Arguments.of("POST", "/v1/reservations", "{\"subjects\":{\"user\":\"bad\",\"team\":\"t,\"},\"estimatedCost\":\"1\"}", "subjects.team", COMMA_RULE),
        Arguments.of("POST", "/v1/usage", "{\"subjects\":{\"user\":\"a,tool:x\"},\"cost\":\"0.95\"}", "subjects.user", COMMA_RULE),
        Arguments.of("POST", "/v1/subjects/user/a,tool:x/reset", "{\"reason\":\"which one?\"}", "id", COMMA_RULE),
        Arguments.of("GET", "/v1/usage/user/a%2Ctool:x", null, "id", COMMA_RULE),
        Arguments.of("GET", "/v1/reports/costs?scope=user&id=a,tool:x", null, "id", COMMA_RULE),
        Arguments.of("POST", "/v1/keys", "{\"name\":\"v\",\"role\":\"viewer\",\"subjects\":[\"user:a,tool:x\"]}", "subjects[0]", COMMA_RULE),
        // A subject of dots alone could be charged but never read or reset: the paths that name it
        // (/v1/usage/user/..) are resolved away by browsers and most clients.
        Arguments.of("POST", "/v1/check", "{\"subjects\":{\"user\":\"..\"}}", "subjects.user", DOT_SEGMENT_RULE),
        Arguments.of("POST", "/v1/reservations", "{\"subjects\":{\"user\":\"bad\",\"team\":\".\"},\"estimatedCost\":\"1\"}", "subjects.team", DOT_SEGMENT_RULE),
        Arguments.of("POST", "/v1/usage", "{\"subjects\":{\"user\":\"bad\",\"region\":\"..\"},\"cost\":\"1\"}", "subjects.region", DOT_SEGMENT_RULE),
        Arguments.of("POST", "/v1/keys", "{\"name\":\"v\",\"role\":\"viewer\",\"subjects\":[\"user:..\"]}", "subjects[0]", DOT_SEGMENT_RULE));
  }


  @ParameterizedTest(name = "{0} {1} {2}")
  @MethodSource("identifiersASelectorReadsOtherwise")
  void anIdentifierASelectorReadsOtherwiseIsRefusedAndChangesNothing(
      String method, String path, String body, String field, String rule) {
    String spentByUser = "/v1/reports/costs?groupBy=subject&scope=user";
    String before = state() + server.admin().get(spentByUser).body();
    Api.Response r = server.admin().send(method, path, body);
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.json().get("field").asText()).as(r.toString()).isEqualTo(field);
    assertThat(r.json().get("rule").asText()).as(r.toString()).contains(rule);
    assertThat(state() + server.admin().get(spentByUser).body()).isEqualTo(before);
  }

  private static final String PADDING_RULE = "must not begin or end with whitespace, which would make it another identifier than the same text without it";

  /**
   * Every place an identifier is given, with whitespace at an end: {@code user:"alice "} would count
   * apart from {@code user:alice}, splitting her limits. Refused, never trimmed: a space here, a
   * no-break space (U+00A0) or an ideographic space (U+3000) there.
   */
  static Stream<Arguments> identifiersPaddedWithWhitespace() {
    return Stream.of(
        Arguments.of("POST", "/v1/check", "{\"subjects\":{\"user\":\"alice \"}}", "subjects.user"),
        Arguments.of("POST", "/v1/reservations", "{\"subjects\":{\"user\":\"bad\",\"team\":\"\\u00a0search\"},\"estimatedCost\":\"1\"}", "subjects.team"),
        Arguments.of("POST", "/v1/reservations", "{\"subjects\":{\"user\":\"bad\",\"project\":\"p1 \"},\"estimatedCost\":\"1\"}", "subjects.project"),
        Arguments.of("POST", "/v1/usage", "{\"subjects\":{\"user\":\"bad\",\"tool\":\" web_search\"},\"cost\":\"1\"}", "subjects.tool"),
        Arguments.of("POST", "/v1/usage", "{\"subjects\":{\"user\":\"bad\",\"provider\":\"openai\\u3000\"},\"cost\":\"1\"}", "subjects.provider"),
        Arguments.of("POST", "/v1/check", "{\"subjects\":{\"user\":\"bad\",\"region\":\"eu \"}}", "subjects.region"),
        Arguments.of("POST", "/v1/reservations", forBad("\"idempotencyKey\":\"req-42 \""), "idempotencyKey"),
        Arguments.of("POST", "/v1/usage", "{\"subjects\":{\"user\":\"bad\"},\"cost\":\"1\",\"idempotencyKey\":\" req-42\"}", "idempotencyKey"),
        Arguments.of("POST", "/v1/reservations/nope%20/commit", "{\"actualCost\":\"0.01\"}", "reservationId"),
        Arguments.of("POST", "/v1/reservations/%20nope/release", null, "reservationId"),
        Arguments.of("PUT", "/v1/policies/user:alice%20", "{\"concurrency\":1}", "selector.id"),
        Arguments.of("PUT", "/v1/policies/tool:search%C2%A0,user:*", "{\"concurrency\":1}", "selector.id"),
        Arguments.of("POST", "/v1/overrides", "{\"selector\":\"user:alice \",\"bypass\":true,\"duration\":\"PT1H\",\"reason\":\"r\"}", "selector.id"),
        Arguments.of("POST", "/v1/subjects/user/alice%20/reset", "{\"reason\":\"which alice?\"}", "id"),
        Arguments.of("GET", "/v1/usage/user/%20alice", null, "id"),
        Arguments.of("GET", "/v1/reports/costs?scope=user&id=alice%20", null, "id"),
        Arguments.of("GET", "/v1/alerts?subject=user:alice%20", null, "subject"),
        Arguments.of("GET", "/v1/alerts?policy=user:alice%20", null, "policy"),
        Arguments.of("POST", "/v1/keys", "{\"name\":\"v\",\"role\":\"viewer\",\"subjects\":[\"user:alice \"]}", "subjects[0]"));
  }

  @ParameterizedTest(name = "{0} {1} {2}")
  @MethodSource("identifiersPaddedWithWhitespace")
  void anIdentifierPaddedWithWhitespaceIsRefusedByNameAndChangesNothing(String method, String path, String body, String field) {
    String spentByUser = "/v1/reports/costs?groupBy=subject&scope=user";
    String before = state() + server.admin().get(spentByUser).body() + server.admin().get("/v1/usage/user/alice").body();
    Api.Response r = server.admin().send(method, path, body);
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.json().get("field").asText()).as(r.toString()).isEqualTo(field);
    assertThat(r.json().get("rule").asText()).as(r.toString()).endsWith(PADDING_RULE);
    assertThat(r.body()).doesNotContain("Exception").doesNotContain("\tat ");
    assertThat(state() + server.admin().get(spentByUser).body() + server.admin().get("/v1/usage/user/alice").body())
        .isEqualTo(before);
  }

  /** A client's own name in a field path (here a scope of 5,000 characters) is cut, not echoed whole. */
  @Test
  void anOverlongScopeIsNamedCutShort() {
    String scope = "s".repeat(5_000);
    Api.Response r = server.admin().post("/v1/check", "{\"subjects\":{\"" + scope + "\":\"bob\"}}");
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.json().get("field").asText()).isEqualTo("subjects." + "s".repeat(64) + "\u2026");
    assertThat(r.json().get("rule").asText()).contains("the scope must be 1-32 characters");
    assertThat(r.body().length()).isLessThan(1_000);
  }

  /** Only '.' and '..' are refused: dots beside other characters make names like any other. */
  @Test
  void namesWithDotsThatAreNotDotSegmentsStayAllowed() {
    Api admin = server.admin();
    for (String id : List.of("...", ".alice", "a..b", "v1.2")) {
      Api.Response r = admin.post("/v1/check", "{\"subjects\":{\"user\":\"" + id + "\"}}");
      assertThat(r.status()).as(id + ": " + r).isEqualTo(200);
    }
  }

  /** ':' stays allowed in an identifier: every text of a subject splits at its first colon. */
  @Test
  void aSubjectIdentifierWithAColonIsOneSubjectEverywhere() {
    Api admin = server.admin();
    assertThat(admin.post("/v1/usage", "{\"subjects\":{\"user\":\"a:b\"},\"cost\":\"0.25\"}").status()).isBetween(200, 299);
    assertThat(admin.get("/v1/usage/user/a:b").json().get("subject").asText()).isEqualTo("user:a:b");
    assertThat(admin.get("/v1/reports/costs?scope=user&id=a:b").json().get("total").asText()).isEqualTo("0.25");
    Api.Response key = admin.post("/v1/keys", "{\"name\":\"colon-viewer\",\"role\":\"viewer\",\"subjects\":[\"user:a:b\"]}");
    assertThat(key.json().get("subjects").get(0).asText()).isEqualTo("user:a:b");
    assertThat(admin.as(key.json().get("key").asText()).get("/v1/usage/user/a:b").status()).isEqualTo(200);
    assertThat(admin.get("/v1/policies/user:a:b").status()).isEqualTo(404);
  }

  /** A policy with several mistakes is refused once, naming the first and listing every one. */
  @Test
  void aPolicyWithSeveralProblemsListsThemAllAndChangesNothing() {
    String before = state();
    Api.Response r = server.admin().put("/v1/policies/user:bad",
        "{\"rateLimits\":[{\"limit\":0,\"window\":\"PT1M\"}],\"budget\":{\"currency\":\"USD\",\"daily\":\"-5\"},\"mode\":\"dry\"}");

    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    JsonNode p = r.json();
    assertThat(p.get("field").asText()).isEqualTo("rateLimits[0].limit");
    assertThat(p.get("errors")).extracting(e -> e.get("field").asText())
        .containsExactly("rateLimits[0].limit", "budget.daily", "mode");
    assertThat(p.get("errors")).allSatisfy(e -> assertThat(e.get("rule").asText()).isNotBlank());
    assertThat(p.get("detail").asText()).contains("rateLimits[0].limit: ", "; budget.daily: ", "; mode: ");
    assertThat(state()).isEqualTo(before);
  }

  /**
   * Alert thresholds out of range and a rate limit's window out of range or meter misnamed are
   * listed beside the other problems: they were judged only once every other field read, so the
   * refusal named the limit's amount and the mode and hid them, and fixing those met a second 400.
   */
  @Test
  void thresholdsAWindowAndAMeterOutOfTheirRulesAreListedBesideTheOtherProblems() {
    String before = state();
    Api.Response r = server.admin().put("/v1/policies/user:bad",
        "{\"rateLimits\":[{\"meter\":\"Tokens\",\"limit\":0,\"window\":\"PT0S\"}],\"budget\":{\"currency\":\"USD\",\"daily\":\"5\"},"
            + "\"alertThresholds\":[0.5,1.5],\"mode\":\"dry\"}");

    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.json().get("errors")).extracting(e -> e.get("field").asText() + ": " + e.get("rule").asText())
        .containsExactly(
            "rateLimits[0].meter: must be 1-32 characters: a lowercase letter, then lowercase letters, digits or '_'",
            "rateLimits[0].limit: must be between 1 and 9007199254740991",
            "rateLimits[0].window: must be between 1 second and 31 days",
            "alertThresholds[1]: must be a fraction greater than 0 and less than 1",
            "mode: must be enforce or shadow");
    assertThat(state()).isEqualTo(before);
  }

  /**
   * A key refused for its name, its role and a subject lists all three: the refusal named the name
   * alone, and fixing it met a second 400 for the role.
   */
  @Test
  void aKeyWithSeveralProblemsListsThemAllAndIssuesNothing() {
    String before = state();
    Api.Response r = server.admin().post("/v1/keys", "{\"name\":\"bad name\",\"role\":\"root\",\"subjects\":[\"user:a\",\"b\"]}");

    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.json().get("field").asText()).isEqualTo("name");
    assertThat(r.json().get("errors")).extracting(e -> e.get("field").asText() + ": " + e.get("rule").asText())
        .containsExactly(
            "name: must be 1-64 letters, digits, '.', '_' or '-'",
            "role: must be admin, service or viewer",
            "subjects[1]: must be written scope:identifier");
    assertThat(r.json().get("detail").asText()).contains("name: ", "; role: ", "; subjects[1]: ");
    assertThat(state()).isEqualTo(before);
  }

  /** A misspelt field is listed beside what its misspelling leaves missing, as every other problem of a key is. */
  @Test
  void aKeyWithAMisspeltRoleListsTheFieldAndTheMissingRole() {
    Api.Response r = server.admin().post("/v1/keys", "{\"rol\":\"admin\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.json().get("errors")).extracting(e -> e.get("field").asText() + ": " + e.get("rule").asText())
        .containsExactly("rol: is not a known field (known: name, reason, role, subjects)", "name: is required", "role: is required");
  }

  /**
   * A body with several independent mistakes, on each route that reads one, and each mistake alone
   * as a path and a body: the refusal stopped at the first, and fixing it met a second 400 for the next.
   */
  static Stream<Arguments> bodiesWithSeveralMistakes() {
    return Stream.of(
        Arguments.of("POST", "/v1/check", "{\"subjects\":{\"user\":\"*\"},\"estimatedCost\":\"abc\",\"ttl\":\"PT1M\"}", List.of(
            "/v1/check", "{\"subjects\":{\"user\":\"bad\"},\"ttl\":\"PT1M\"}",
            "/v1/check", "{\"subjects\":{\"user\":\"*\"}}",
            "/v1/check", "{\"subjects\":{\"user\":\"bad\"},\"estimatedCost\":\"abc\"}")),
        Arguments.of("POST", "/v1/reservations", "{\"subjects\":{\"User\":\"bad\",\"team\":\"t,\"},\"meters\":{\"Tokens\":1},\"ttl\":\"P30D\"}", List.of(
            "/v1/reservations", "{\"subjects\":{\"User\":\"bad\"}}",
            "/v1/reservations", "{\"subjects\":{\"user\":\"bad\",\"team\":\"t,\"}}",
            "/v1/reservations", forBad("\"meters\":{\"Tokens\":1}"),
            "/v1/reservations", forBad("\"ttl\":\"P30D\""))),
        // A reservation of no call is refused by the engine, listed beside the problems of the body.
        Arguments.of("POST", "/v1/reservations", "{\"subjects\":{\"user\":\"bad\"},\"estimatedCost\":\"abc\",\"meters\":{\"requests\":0}}", List.of(
            "/v1/reservations", forBad("\"estimatedCost\":\"abc\""),
            "/v1/reservations", forBad("\"meters\":{\"requests\":0}"))),
        Arguments.of("POST", "/v1/usage", "{\"surprise\":1,\"subjects\":{},\"cost\":0.05,\"meters\":{\"tokens\":-5}}", List.of(
            "/v1/usage", forBad("\"surprise\":1"),
            "/v1/usage", "{\"subjects\":{}}",
            "/v1/usage", forBad("\"cost\":0.05"),
            "/v1/usage", forBad("\"meters\":{\"tokens\":-5}"))),
        Arguments.of("POST", "/v1/reservations/nope/commit", "{\"x\":1,\"actualCost\":\"abc\",\"meters\":{\"Tokens\":1}}", List.of(
            "/v1/reservations/nope/commit", "{\"x\":1,\"actualCost\":\"0.01\"}",
            "/v1/reservations/nope/commit", "{\"actualCost\":\"abc\"}",
            "/v1/reservations/nope/commit", "{\"actualCost\":\"0.01\",\"meters\":{\"Tokens\":1}}")),
        // A commit of no call is refused by the engine, listed beside the problems of the body.
        Arguments.of("POST", "/v1/reservations/nope/commit", "{\"actualCost\":\"abc\",\"meters\":{\"requests\":0}}", List.of(
            "/v1/reservations/nope/commit", "{\"actualCost\":\"abc\"}",
            "/v1/reservations/nope/commit", "{\"actualCost\":\"0.01\",\"meters\":{\"requests\":0}}")),
        Arguments.of("POST", "/v1/reservations/nope/release", "{\"x\":1,\"y\":2}", List.of(
            "/v1/reservations/nope/release", "{\"x\":1}",
            "/v1/reservations/nope/release", "{\"y\":2}")),
        Arguments.of("POST", "/v1/subjects/user/*/reset", "{\"extra\":1,\"reason\":\"\\u001b[2J\"}", List.of(
            "/v1/subjects/user/*/reset", "{}",
            "/v1/subjects/user/bad/reset", "{\"extra\":1}",
            "/v1/subjects/user/bad/reset", "{\"reason\":\"\\u001b[2J\"}")),
        Arguments.of("POST", "/v1/overrides", "{\"selector\":\"nocolon\",\"bypass\":\"yes\",\"expiresAt\":\"2000-01-01T00:00:00Z\",\"reason\":\"r\"}", List.of(
            "/v1/overrides", override("\"selector\":\"nocolon\"", "\"bypass\":true", "\"duration\":\"PT1H\""),
            "/v1/overrides", override("\"selector\":\"user:bad\"", "\"bypass\":\"yes\"", "\"duration\":\"PT1H\""),
            "/v1/overrides", override("\"selector\":\"user:bad\"", "\"bypass\":true", "\"expiresAt\":\"2000-01-01T00:00:00Z\""))),
        Arguments.of("POST", "/v1/overrides", "{\"selector\":\"user:bad\",\"limits\":{\"budget\":{\"currency\":\"UDS\",\"daily\":\"5\"},\"mode\":\"dry\"},"
            + "\"expiresAt\":\"9999-01-01T00:00:00Z\"}", List.of(
            "/v1/overrides", "{\"selector\":\"user:bad\",\"limits\":{\"budget\":{\"currency\":\"UDS\",\"daily\":\"5\"}},\"duration\":\"PT1H\",\"reason\":\"r\"}",
            "/v1/overrides", "{\"selector\":\"user:bad\",\"limits\":{\"concurrency\":1,\"mode\":\"dry\"},\"duration\":\"PT1H\",\"reason\":\"r\"}",
            "/v1/overrides", override("\"selector\":\"user:bad\"", "\"bypass\":true", "\"expiresAt\":\"9999-01-01T00:00:00Z\""),
            "/v1/overrides", "{\"selector\":\"user:bad\",\"bypass\":true,\"duration\":\"PT1H\"}")),
        // Limits are read beside a refused selector: fixing the selector met a second 400 for them.
        Arguments.of("POST", "/v1/overrides", "{\"selector\":\"nocolon\",\"limits\":{\"concurrency\":0,\"mode\":\"dry\"},\"duration\":\"PT1H\",\"reason\":\"r\"}", List.of(
            "/v1/overrides", "{\"selector\":\"nocolon\",\"limits\":{\"concurrency\":1},\"duration\":\"PT1H\",\"reason\":\"r\"}",
            "/v1/overrides", "{\"selector\":\"user:bad\",\"limits\":{\"concurrency\":0},\"duration\":\"PT1H\",\"reason\":\"r\"}",
            "/v1/overrides", "{\"selector\":\"user:bad\",\"limits\":{\"mode\":\"dry\"},\"duration\":\"PT1H\",\"reason\":\"r\"}")),
        Arguments.of("POST", "/v1/overrides", "{\"selector\":\"user:bad\",\"duration\":\"P3651D\",\"reason\":\"r\"}", List.of(
            "/v1/overrides", "{\"selector\":\"user:bad\",\"duration\":\"PT1H\",\"reason\":\"r\"}",
            "/v1/overrides", override("\"selector\":\"user:bad\"", "\"bypass\":true", "\"duration\":\"P3651D\""))),
        Arguments.of("PUT", "/v1/policies/user:bad", "{\"concurrency\":1,\"rateLimitz\":[],\"mode\":\"dry\"}", List.of(
            "/v1/policies/user:bad", "{\"concurrency\":1,\"rateLimitz\":[]}",
            "/v1/policies/user:bad", "{\"concurrency\":1,\"mode\":\"dry\"}")));
  }

  /** A bypass override of the three fields given, with a reason. */
  private static String override(String selector, String kind, String expiry) {
    return "{" + selector + "," + kind + "," + expiry + ",\"reason\":\"r\"}";
  }

  @ParameterizedTest(name = "{0} {1} {2}")
  @MethodSource("bodiesWithSeveralMistakes")
  void aBodyWithSeveralMistakesListsEachAsItIsRefusedAloneAndChangesNothing(
      String method, String path, String body, List<String> alone) {
    String before = state();
    List<String> each = new ArrayList<>();
    for (int i = 0; i < alone.size(); i += 2) {
      Api.Response single = server.admin().send(method, alone.get(i), alone.get(i + 1));
      assertThat(single.status()).as(single.toString()).isEqualTo(400);
      assertThat(single.json().has("errors")).as(single.toString()).isFalse();
      each.add(single.json().get("field").asText() + ": " + single.json().get("rule").asText());
    }

    Api.Response r = server.admin().send(method, path, body);

    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.json().get("errors")).as(r.toString()).extracting(e -> e.get("field").asText() + ": " + e.get("rule").asText())
        .containsExactlyElementsOf(each);
    assertThat(r.json().get("field").asText() + ": " + r.json().get("rule").asText()).isEqualTo(each.get(0));
    assertThat(state()).isEqualTo(before);
  }

  @Test
  void aSingleProblemHasNoErrorsList() {
    Api.Response r = server.admin().put("/v1/policies/user:bad", "{\"rateLimits\":[{\"limit\":0,\"window\":\"PT1M\"}]}");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().has("errors")).isFalse();
  }

  /** The release body takes no fields: the refusal said "(known: )". */
  @Test
  void aFieldInABodyThatTakesNoneSaysSo() {
    Api.Response r = server.admin().post("/v1/reservations/nope/release", "{\"x\":1}");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().get("field").asText()).isEqualTo("x");
    assertThat(r.json().get("rule").asText()).isEqualTo("is not a known field: the body takes no fields");
  }

  static Stream<Arguments> malformedBodies() {
    return Stream.of(
        Arguments.of("{\"concurrency\":1}  {\"x\":1}", "more content follows the JSON value"),
        Arguments.of("{\"concurrency\":NaN}", "'NaN' is not a JSON value"),
        Arguments.of("{\"concurrency\":" + "9".repeat(80) + "}", "a number is longer than 64 characters"),
        Arguments.of("{\"rateLimits\":[{\"limit\":5}}", "a closing bracket does not match an open one"),
        Arguments.of("{\"concurrency\":+1}", "invalid number"),
        Arguments.of("{concurrency:1}", "unexpected character 'c', expected a field name in double quotes"),
        Arguments.of("{\"concurrency\" 1}", "unexpected character '1', expected ':'"),
        Arguments.of("{\"concurrency\":1", "the body ends before the JSON value is complete"),
        Arguments.of("{\"mode\":\"a\nb\"}", "a control character in a string must be escaped"),
        Arguments.of("[".repeat(40), "nested more than 32 levels deep"),
        Arguments.of("{\"concurrency\":1,\"concurrency\":2}", "field 'concurrency' appears more than once"));
  }

  @ParameterizedTest(name = "{0} {1} {2}")
  @MethodSource("badBodies")
  void badInputIsRefusedByNameAndChangesNothing(String method, String path, String body, int status, String field) {
    String before = state();
    Api.Response r = server.admin().send(method, path, body);
    assertThat(r.status()).as(r.toString()).isEqualTo(status);
    assertThat(r.contentType()).startsWith("application/problem+json");
    JsonNode p = r.json();
    assertThat(p.get("status").asInt()).isEqualTo(status);
    assertThat(p.get("type").asText()).startsWith("urn:quota:problem:");
    if (field != null) {
      assertThat(p.get("field").asText()).as(r.toString()).isEqualTo(field);
      assertThat(p.get("rule").asText()).isNotBlank();
    }
    assertThat(r.body()).doesNotContain("Exception").doesNotContain("\tat ");
    assertThat(state()).isEqualTo(before);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedBodies")
  void malformedJsonIsDescribedInPlainWords(String body, String reason) {
    String before = state();
    Api.Response r = server.admin().put("/v1/policies/user:bad", body);
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    JsonNode p = r.json();
    assertThat(p.get("field").asText()).isEqualTo("body");
    assertThat(p.get("rule").asText()).as(r.toString()).matches("malformed JSON at line \\d+, column \\d+: .+").endsWith(": " + reason);
    assertThat(r.body()).as("no parser internals").doesNotContain("`", "jackson", "Feature", "REDACTED", "Source", "bound as");
    assertThat(state()).isEqualTo(before);
  }

  /** An alert filter no alert could match is refused by name, not answered with an empty page. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "/v1/alerts?subject=nope | subject | scope:identifier",
      "/v1/alerts?subject=user:a,team:b,tool:c | subject | one scope or a pair",
      "/v1/alerts?subject=user:* | subject | not the wildcard *",
      "/v1/alerts?subject=tool:image_gen,user:* | subject | not the wildcard *",
      "/v1/alerts?policy=Team:x | policy | a lowercase letter"})
  void anAlertFilterThatIsNoSelectorIsRefusedByName(String path, String field, String rule) {
    Api.Response r = server.admin().get(path.strip());
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.json().get("field").asText()).isEqualTo(field.strip());
    assertThat(r.json().get("rule").asText()).contains(rule.strip());
  }

  /** Paging numbers are written in ASCII digits alone: a sign or digits of another script were read as a number. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "/v1/alerts?limit=%D9%A5     | limit  | must be a whole number between 1 and 500",
      "/v1/alerts?limit=%2B5       | limit  | must be a whole number between 1 and 500",
      "/v1/audit?offset=%EF%BC%91  | offset | must be a whole number between 0 and 1000000",
      "/v1/audit?offset=-0         | offset | must be a whole number between 0 and 1000000",
      "/v1/denials?limit=1%20      | limit  | must be a whole number between 1 and 1000"})
  void aPagingNumberOutsideAsciiDigitsIsRefusedByName(String path, String field, String rule) {
    Api.Response r = server.admin().get(path.strip());
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.json().get("field").asText()).isEqualTo(field.strip());
    assertThat(r.json().get("rule").asText()).isEqualTo(rule.strip());
    assertThat(server.admin().get("/v1/alerts?limit=05&offset=0").status()).isEqualTo(200);
  }

  /**
   * The audit trail's text filters take what an entry's actor or target can hold: printable text. A
   * NUL reached PostgreSQL, which refuses it in a query, and was answered 500; any other control
   * character matched nothing.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "/v1/audit?actor=%00            | actor",
      "/v1/audit?target=user%00       | target",
      "/v1/audit?actor=a%1B%5B31m     | actor",
      "/v1/audit?target=user:a%0Ab    | target",
      "/v1/audit?target=%E2%80%AEuser | target"})
  void anAuditFilterWithAControlCharacterIsRefusedByName(String path, String field) {
    Api.Response r = server.admin().get(path.strip());
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.json().get("field").asText()).isEqualTo(field.strip());
    assertThat(r.json().get("rule").asText()).isEqualTo("must contain only printable characters");
    assertThat(server.admin().get("/v1/audit?actor=admin&target=user%3A").status()).isEqualTo(200);
  }

  static Stream<Arguments> datesOutOfRange() {
    return Stream.of(
        Arguments.of("/v1/reports/costs?to=%2B999999999-12-31", "to"),
        Arguments.of("/v1/reports/costs?from=%2B999999999-12-01&to=%2B999999999-12-31", "to"),
        Arguments.of("/v1/reports/costs?from=%2B999999999-12-01&to=2030-01-01", "from"),
        Arguments.of("/v1/reports/costs?to=%2B1000000000-12-31T23:59:59Z", "to"),
        Arguments.of("/v1/reports/costs?from=-1000000000-01-01T00:00:00Z&to=-1000000000-01-20T00:00:00Z", "to"),
        Arguments.of("/v1/reports/costs?from=-1000000000-01-01T00:00:00Z", "from"),
        Arguments.of("/v1/reports/costs?to=10000-01-01T00:00:00Z", "to"),
        Arguments.of("/v1/alerts?from=%2B1000000000-12-31T23:59:59Z", "from"),
        Arguments.of("/v1/alerts?to=-1000000000-01-01T00:00:00Z", "to"),
        Arguments.of("/v1/audit?from=%2B1000000000-12-31T23:59:59Z", "from"),
        Arguments.of("/v1/audit?to=-1000000000-01-01T00:00:00Z", "to"),
        Arguments.of("/v1/audit?to=-0001-12-31", "to"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("datesOutOfRange")
  void datesOutsideYearsOneTo9999AreRefusedByName(String path, String field) {
    Api.Response r = server.admin().get(path);
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.json().get("field").asText()).isEqualTo(field);
    assertThat(r.json().get("rule").asText()).contains("from 0001-01-01 to 9999-12-31");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"/v1/alerts?from=2026-11-30&to=2026-11-29", "/v1/alerts?from=2026-11-30T00:00:00Z&to=2026-11-30",
      "/v1/audit?from=2026-11-30&to=2026-11-29"})
  void aRangeThatEndsBeforeItStartsIsRefusedNotAnsweredEmpty(String path) {
    Api.Response r = server.admin().get(path);
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.json().get("field").asText()).isEqualTo("from");
    assertThat(r.json().get("rule").asText()).isEqualTo("must be before to");
  }

  @Test
  void datesAtTheEdgesOfTheRangeAreAnswered() {
    assertThat(server.admin().get("/v1/reports/costs?from=0001-01-01&to=0001-01-31").status()).isEqualTo(200);
    assertThat(server.admin().get("/v1/reports/costs?from=9999-12-01&to=9999-12-31T23:59:59Z&timezone=Pacific/Kiritimati").status()).isEqualTo(200);
    assertThat(server.admin().get("/v1/alerts?from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59.999999999Z").status()).isEqualTo(200);
    assertThat(server.admin().get("/v1/audit?from=0001-01-01&to=9999-12-31").status()).isEqualTo(200);
  }

  /**
   * An instant in years 1 to 9999 can fall on a day of year 0 or 10000 in the report's time zone;
   * the report keeps to the days dates are written in, as it keeps its default range, instead of
   * answering {@code "from":"0000-12-31"} or {@code "to":"+10000-01-02"}.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "from=0001-01-01T00:00:00Z&to=0001-01-10&timezone=America/New_York  | 0001-01-01 | 0001-01-10",
      "from=0001-01-01T04:59:59Z&to=0001-01-01T05:00:01Z&timezone=-05:00  | 0001-01-01 | 0001-01-02",
      "to=0001-01-10                                                      | 0001-01-01 | 0001-01-10",
      "from=9999-12-01&to=9999-12-31T23:59:59Z&timezone=Pacific/Kiritimati | 9999-12-01 | 9999-12-31",
      "from=9999-12-30T12:00:00Z&to=9999-12-31T12:00:00Z                   | 9999-12-30 | 9999-12-31"})
  void aReportKeepsToTheDaysDatesAreWrittenIn(String query, String from, String to) {
    Api.Response r = server.admin().get("/v1/reports/costs?" + query.strip());
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.json().get("from").asText()).isEqualTo(from.strip());
    assertThat(r.json().get("to").asText()).isEqualTo(to.strip());
  }

  @Test
  void bodiesOver64KiBAreRefused() {
    String before = state();
    String big = forBad("\"idempotencyKey\":\"" + "k".repeat(70_000) + "\"");
    Api.Response r = server.admin().post("/v1/reservations", big);
    assertThat(r.status()).isEqualTo(413);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.json().get("field").asText()).isEqualTo("body");
    assertThat(state()).isEqualTo(before);
  }

  @Test
  void unknownMethodAndPathAreProblemsToo() {
    Api.Response r = server.admin().send("PATCH", "/v1/policies/user:bad", "{}");
    assertThat(r.status()).isBetween(400, 499);
    assertThat(r.contentType()).startsWith("application/problem+json");
    Api.Response missing = server.admin().get("/v1/nothing-here");
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.contentType()).startsWith("application/problem+json");
  }

  /** Everything a refused request could have touched. */
  private static String state() {
    Api admin = server.admin();
    return admin.get("/v1/usage/user/bad").body() + admin.get("/v1/policies").body()
        + admin.get("/v1/audit").body() + admin.get("/v1/keys").body() + admin.get("/v1/overrides?includeExpired=true").body();
  }
}
