package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quota.store.conformance.MutableClock;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every body is read as JSON in UTF-8, so a body declared as anything else is refused, 415 naming
 * Content-Type and the rule, and changes nothing. JSON with a charset of UTF-8 is taken, and so is
 * a body with no Content-Type at all, so that clients which send none keep working.
 */
class ContentTypeTest {
  private static final String TYPE_RULE = "must be application/json when the request has a body";
  private static final String CHARSET_RULE = "must name charset utf-8 or none: the body is read as UTF-8";
  private static final String RESERVE = "{\"subjects\":{\"user\":\"typed\"},\"estimatedCost\":\"0.10\"}";

  /** Stands still, so the counters' reset times read the same before and after a refusal. */
  static final MutableClock clock = new MutableClock(Instant.parse("2030-05-06T07:00:00Z"));
  @RegisterExtension
  static final SharedServer server = SharedServer.embedded(clock);

  @BeforeAll
  static void policy() {
    server.admin().put("/v1/policies/user:*", "{\"rateLimits\":[{\"limit\":1000,\"window\":\"PT1H\"}],\"budget\":{\"currency\":\"USD\",\"daily\":\"100.00\"}}");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
      "text/plain",
      "text/plain; charset=utf-8",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/xml",
      "text/json",
      "application/jsonp",
      "application/merge-patch+json",
      "application/problem+json",
      "application/json charset=utf-8",
      "application/json; charset",
      "application/json; charset=\"utf-8",
      "application/json, text/plain"})
  void aReservationDeclaredAsAnotherTypeIsRefusedAndHoldsNothing(String type) {
    String before = state();
    assertRefused(server.admin().send("POST", "/v1/reservations", RESERVE, "Content-Type", type), TYPE_RULE);
    assertThat(state()).isEqualTo(before);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
      "application/json; charset=iso-8859-1",
      "application/json; charset=utf-16",
      "application/json;charset=utf8",
      "application/json; charset=\"\"",
      "application/json; charset=utf-8; charset=windows-1252"})
  void jsonInAnotherCharsetIsRefusedAndHoldsNothing(String type) {
    String before = state();
    assertRefused(server.admin().send("POST", "/v1/reservations", RESERVE, "Content-Type", type), CHARSET_RULE);
    assertThat(state()).isEqualTo(before);
  }

  /** Every route that reads a body refuses one declared as text, before it does anything with it. */
  @Test
  void everyRouteWithABodyRefusesAnotherType() {
    String before = state();
    BodyRoutes.assertEachRefuses(server, "Content-Type", "text/plain");
    assertThat(state()).isEqualTo(before);
  }

  @Test
  void aPolicyDeclaredAsAFormIsNotWritten() {
    String before = state();
    Api.Response r = server.admin().send("PUT", "/v1/policies/team:typed?reason=form", "{\"rateLimits\":[{\"limit\":5,\"window\":\"PT1M\"}]}",
        "Content-Type", "application/x-www-form-urlencoded");
    assertRefused(r, TYPE_RULE);
    assertThat(server.admin().get("/v1/policies/team:typed").status()).isEqualTo(404);
    assertThat(state()).isEqualTo(before);
  }

  /** A commit refused for its type leaves the reservation held, to be committed by a request that is JSON. */
  @Test
  void aCommitDeclaredAsTextSettlesNothing() {
    String id = reserve("application/json");
    String before = state();
    assertRefused(server.admin().send("POST", "/v1/reservations/" + id + "/commit", "{\"actualCost\":\"0.05\"}", "Content-Type", "text/plain"),
        TYPE_RULE);
    assertThat(state()).isEqualTo(before);
    Api.Response committed = server.admin().send("POST", "/v1/reservations/" + id + "/commit", "{\"actualCost\":\"0.05\"}",
        "Content-Type", "application/json; charset=utf-8");
    assertThat(committed.status()).as(committed.toString()).isEqualTo(200);
    assertThat(committed.json().get("repeated").asBoolean()).isFalse();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
      "application/json",
      "application/json; charset=utf-8",
      "application/json;charset=UTF-8",
      "Application/JSON; Charset=\"utf-8\"",
      "application/json ; charset=utf-8 ; q=1",
      "application/json;"})
  void jsonIsTakenWithACharsetOfUtf8OrNone(String type) {
    String id = reserve(type);
    Api.Response committed = server.admin().send("POST", "/v1/reservations/" + id + "/commit", "{\"actualCost\":\"0.05\"}", "Content-Type", type);
    assertThat(committed.status()).as(committed.toString()).isEqualTo(200);
  }

  /** Scripts and hand-written clients may send JSON without saying so: it is read as JSON, as it always was. */
  @Test
  void aBodyWithNoContentTypeIsReadAsJson() {
    RawHttp.Response reserved = untyped("POST /v1/reservations", RESERVE);
    assertThat(reserved.status()).as(reserved.toString()).isEqualTo(201);
    String id = reserved.json().get("reservationId").asText();
    RawHttp.Response committed = untyped("POST /v1/reservations/" + id + "/commit", "{\"actualCost\":\"0.05\"}");
    assertThat(committed.status()).as(committed.toString()).isEqualTo(200);
    RawHttp.Response written = untyped("PUT /v1/policies/team:untyped?reason=script", "{\"rateLimits\":[{\"limit\":5,\"window\":\"PT1M\"}]}");
    assertThat(written.status()).as(written.toString()).isEqualTo(201);
  }

  /** What curl -X POST -d '' sends: a form type on an empty body, which has nothing to misread. */
  @Test
  void anEmptyBodyIsNotRefusedForItsType() {
    String id = reserve("application/json");
    Api.Response released = server.admin().send("POST", "/v1/reservations/" + id + "/release", "",
        "Content-Type", "application/x-www-form-urlencoded");
    assertThat(released.status()).as(released.toString()).isEqualTo(200);
    assertThat(released.json().get("status").asText()).isEqualTo("released");
  }

  /** Two Content-Type lines do not say which the body is in. */
  @Test
  void aContentTypeGivenTwiceIsRefused() {
    String before = state();
    Api.Response r = server.admin().send("POST", "/v1/reservations", RESERVE, "Content-Type", "application/json", "Content-Type", "text/plain");
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.json().get("field").asText()).isEqualTo("Content-Type");
    assertThat(r.json().get("rule").asText()).isEqualTo("must be given once");
    assertThat(state()).isEqualTo(before);
  }

  /** Header names are not case-sensitive: a lower-case one is read as the same header. */
  @Test
  void aLowerCaseHeaderNameIsTheSameHeader() {
    String before = state();
    byte[] body = RESERVE.getBytes(StandardCharsets.UTF_8);
    RawHttp.Response r = RawHttp.exchange(server.server().port(), "POST /v1/reservations HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
        + TestServer.ADMIN_KEY + "\r\ncontent-type: text/plain\r\nContent-Length: " + body.length, body);
    assertThat(r.status()).as(r.toString()).isEqualTo(415);
    assertThat(r.json().get("field").asText()).isEqualTo("Content-Type");
    assertThat(state()).isEqualTo(before);
  }

  /** A DELETE takes no body at all: one is refused as such, whatever it is declared as. */
  @Test
  void aDeleteWithATextBodyIsStillRefusedForHavingOne() {
    String before = state();
    Api.Response r = server.admin().send("DELETE", "/v1/policies/user:*", "no longer needed", "Content-Type", "text/plain");
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.json().get("field").asText()).isEqualTo("body");
    assertThat(state()).isEqualTo(before);
  }

  private static void assertRefused(Api.Response r, String rule) {
    assertThat(r.status()).as(r.toString()).isEqualTo(415);
    assertThat(r.contentType()).isEqualTo("application/problem+json; charset=utf-8");
    JsonNode p = r.json();
    assertThat(p.get("type").asText()).isEqualTo("urn:quota:problem:unsupported-media-type");
    assertThat(p.get("title").asText()).isEqualTo("Unsupported media type");
    assertThat(p.get("field").asText()).isEqualTo("Content-Type");
    assertThat(p.get("rule").asText()).isEqualTo(rule);
    assertThat(p.get("detail").asText()).isEqualTo("Content-Type: " + rule);
  }

  private static String reserve(String type) {
    Api.Response r = server.admin().send("POST", "/v1/reservations", RESERVE, "Content-Type", type);
    assertThat(r.status()).as(type + ": " + r).isEqualTo(201);
    return r.json().get("reservationId").asText();
  }

  private static RawHttp.Response untyped(String requestLine, String json) {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    return RawHttp.exchange(server.server().port(), requestLine + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
        + TestServer.ADMIN_KEY + "\r\nContent-Length: " + body.length, body);
  }

  /** Everything a refused request could have touched. */
  private static String state() {
    Api admin = server.admin();
    return admin.get("/v1/usage/user/typed").body() + admin.get("/v1/policies").body()
        + admin.get("/v1/audit").body() + admin.get("/v1/keys").body() + admin.get("/v1/overrides?includeExpired=true").body();
  }
}
