package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One rule for the reason of every administrative change: optional, but a reason given (in the
 * body, as {@code ?reason=} or in the {@code Quota-Reason} header) must not be blank, and is
 * given in one place. Only overrides used to refuse a blank one; a reset, a policy change and a
 * key wrote {@code "reason":""} into the trail as if one had been given. An override's reason is
 * required, and its refusal says so.
 */
class AuditReasonsTest {
  @RegisterExtension
  static final SharedServer server = SharedServer.embedded();
  private static String overrideId;

  @BeforeAll
  static void setUp() {
    server.admin().put("/v1/policies/user:*?reason=setup", "{\"rateLimits\":[{\"limit\":5,\"window\":\"PT1H\"}]}");
    server.admin().post("/v1/keys", "{\"name\":\"kept\",\"role\":\"service\"}");
    overrideId = server.admin().post("/v1/overrides", "{\"selector\":\"user:ann\",\"bypass\":true,\"duration\":\"PT1H\",\"reason\":\"r\"}")
        .json().get("id").asText();
  }

  @ParameterizedTest(name = "{0} {1} {2}")
  @CsvSource(delimiter = '|', nullValues = "-", value = {
      "POST   | /v1/subjects/user/ann/reset              | {\"reason\":\"\"}",
      "POST   | /v1/subjects/user/ann/reset              | {\"reason\":\"   \"}",
      "POST   | /v1/subjects/user/ann/reset?reason=%20   | -",
      "PUT    | /v1/policies/user:ann?reason=%20%20      | {\"concurrency\":1}",
      "DELETE | /v1/policies/user:*?reason=%09           | -",
      "DELETE | /v1/overrides/ID?reason=%20              | -",
      "POST   | /v1/keys                                 | {\"name\":\"blank\",\"role\":\"service\",\"reason\":\" \"}",
      "DELETE | /v1/keys/kept?reason=+                   | -"})
  void aBlankReasonIsRefusedByNameAndChangesNothing(String method, String path, String body) {
    String before = state();
    Api.Response r = server.admin().send(method.strip(), path.strip().replace("ID", overrideId), body == null ? null : body.strip());
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.json().get("field").asText()).isEqualTo("reason");
    assertThat(r.json().get("rule").asText()).isEqualTo("must not be blank: give a reason, or leave it out to give none");
    assertThat(state()).isEqualTo(before);
  }

  /**
   * An override requires a reason, so a blank one is refused saying so, in the body or the header,
   * not with the advice the other changes give to leave the reason out.
   */
  @Test
  void aBlankOverrideReasonIsRefusedAsRequired() {
    String body = "{\"selector\":\"user:bob\",\"bypass\":true,\"duration\":\"PT1H\"";
    String before = state();
    for (String blank : new String[] {"", " ", "\\t"}) {
      Api.Response r = server.admin().post("/v1/overrides", body + ",\"reason\":\"" + blank + "\"}");
      assertThat(r.status()).as(r.toString()).isEqualTo(400);
      assertThat(r.json().get("field").asText()).isEqualTo("reason");
      assertThat(r.json().get("rule").asText()).isEqualTo("must not be blank: an override requires a reason");
    }
    RawHttp.Response header = overrideWithHeader(body + "}", " ");
    assertThat(header.status()).as(header.toString()).isEqualTo(400);
    assertThat(header.json().get("field").asText()).isEqualTo("Quota-Reason");
    assertThat(header.json().get("rule").asText()).isEqualTo("must not be blank: an override requires a reason");
    assertThat(state()).isEqualTo(before);
  }

  @Test
  void aBlankReasonInTheHeaderIsRefusedNamingTheHeader() {
    String before = state();
    RawHttp.Response r = RawHttp.exchange(server.server().port(), "POST /v1/subjects/user/ann/reset HTTP/1.1\r\nHost: localhost\r\n"
        + "Authorization: Bearer " + TestServer.ADMIN_KEY + "\r\nQuota-Reason:  \r\nContent-Length: 0", new byte[0]);
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.json().get("field").asText()).isEqualTo("Quota-Reason");
    assertThat(r.json().get("rule").asText()).startsWith("must not be blank");
    assertThat(state()).isEqualTo(before);
  }

  @Test
  void aReasonGivenTwiceIsRefused() {
    String before = state();
    Api.Response r = server.admin().post("/v1/subjects/user/ann/reset?reason=a", "{\"reason\":\"b\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.json().get("field").asText()).isEqualTo("reason");
    assertThat(r.json().get("rule").asText()).startsWith("give it once");
    assertThat(state()).isEqualTo(before);
  }

  /**
   * An override needs a reason, which may come in the header as every other change's may, and is
   * refused when given twice rather than one of the two being kept silently.
   */
  @Test
  void anOverridesReasonMayComeInTheHeaderButOnlyOnce() {
    String body = "{\"selector\":\"user:hdr\",\"bypass\":true,\"duration\":\"PT1H\"";
    String before = state();
    Api.Response none = server.admin().post("/v1/overrides", body + "}");
    assertThat(none.status()).as(none.toString()).isEqualTo(400);
    assertThat(none.json().get("field").asText()).isEqualTo("reason");
    assertThat(none.json().get("rule").asText()).startsWith("is required");
    RawHttp.Response twice = overrideWithHeader(body + ",\"reason\":\"in the body\"}", "in the header");
    assertThat(twice.status()).as(twice.toString()).isEqualTo(400);
    assertThat(twice.json().get("rule").asText()).startsWith("give it once");
    assertThat(state()).isEqualTo(before);

    RawHttp.Response header = overrideWithHeader(body + "}", "load test");
    assertThat(header.status()).as(header.toString()).isEqualTo(201);
    assertThat(latest("override.create").get("reason").asText()).isEqualTo("load test");
  }

  /** A DELETE takes no body: a reason written there was dropped, and the change audited with none. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "/v1/policies/user:*     | {\"reason\":\"no longer needed\"}",
      "/v1/overrides/ID        | {\"reason\":\"no longer needed\"}",
      "/v1/keys/kept           | {\"reason\":\"rotated\"}",
      "/v1/keys/kept           | not json at all"})
  void aDeleteWithABodyIsRefusedAndChangesNothing(String path, String body) {
    String before = state();
    Api.Response r = server.admin().send("DELETE", path.strip().replace("ID", overrideId), body.strip());
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.json().get("field").asText()).isEqualTo("body");
    assertThat(r.json().get("rule").asText()).isEqualTo("must be empty: a DELETE takes its reason as ?reason= or in the Quota-Reason header");
    assertThat(state()).isEqualTo(before);
  }

  /** A reason in the header is UTF-8 text, kept as sent; bytes that are not UTF-8 are refused by the header's name. */
  @Test
  void aReasonInTheHeaderIsReadAsUtf8() {
    RawHttp.Response kept = resetWithHeaderBytes("café in Zürich ☕".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThat(kept.status()).as(kept.toString()).isEqualTo(204);
    assertThat(latest("subject.reset").get("reason").asText()).isEqualTo("café in Zürich ☕");

    String before = state();
    RawHttp.Response refused = resetWithHeaderBytes("caf\u00e9".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    assertThat(refused.status()).as(refused.toString()).isEqualTo(400);
    assertThat(refused.json().get("field").asText()).isEqualTo("Quota-Reason");
    assertThat(refused.json().get("rule").asText()).isEqualTo("must be UTF-8 text");
    assertThat(state()).isEqualTo(before);
  }

  private static RawHttp.Response resetWithHeaderBytes(byte[] reason) {
    java.io.ByteArrayOutputStream request = new java.io.ByteArrayOutputStream();
    request.writeBytes(("POST /v1/subjects/user/ann/reset HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + TestServer.ADMIN_KEY
        + "\r\nContent-Length: 0\r\nConnection: close\r\nQuota-Reason: ").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    request.writeBytes(reason);
    request.writeBytes("\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    return RawHttp.exchange(server.server().port(), request.toByteArray());
  }

  /** Two lines of the header are two reasons: refused, not the first kept and the second dropped. */
  @Test
  void aReasonHeaderGivenTwiceIsRefused() {
    String before = state();
    RawHttp.Response r = RawHttp.exchange(server.server().port(), "POST /v1/subjects/user/ann/reset HTTP/1.1\r\nHost: localhost\r\n"
        + "Authorization: Bearer " + TestServer.ADMIN_KEY + "\r\nQuota-Reason: ticket 1\r\nQuota-Reason: ticket 2\r\nContent-Length: 0",
        new byte[0]);
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.json().get("field").asText()).isEqualTo("reason");
    assertThat(r.json().get("rule").asText()).startsWith("give it once");
    assertThat(state()).isEqualTo(before);
  }

  private static RawHttp.Response overrideWithHeader(String body, String reason) {
    byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return RawHttp.exchange(server.server().port(), "POST /v1/overrides HTTP/1.1\r\nHost: localhost\r\n"
        + "Authorization: Bearer " + TestServer.ADMIN_KEY + "\r\nContent-Type: application/json\r\nQuota-Reason: " + reason
        + "\r\nContent-Length: " + bytes.length, bytes);
  }

  /** Keys take a reason as every other change does; none given is recorded as none. */
  @Test
  void keysAreIssuedAndRevokedWithAReasonOrWithNone() {
    assertThat(server.admin().post("/v1/keys", "{\"name\":\"ci\",\"role\":\"service\",\"reason\":\"for the CI\"}").status()).isEqualTo(201);
    assertThat(latest("key.issue").get("reason").asText()).isEqualTo("for the CI");
    assertThat(server.admin().delete("/v1/keys/ci?reason=rotated").status()).isEqualTo(204);
    assertThat(latest("key.revoke").get("reason").asText()).isEqualTo("rotated");

    assertThat(server.admin().post("/v1/keys", "{\"name\":\"ci\",\"role\":\"service\"}").status()).isEqualTo(201);
    assertThat(latest("key.issue").get("reason").asText()).isEmpty();
    assertThat(server.admin().delete("/v1/keys/ci").status()).isEqualTo(204);
    assertThat(latest("key.revoke").get("reason").asText()).isEmpty();
  }

  @Test
  void aResetWithoutAReasonIsRecordedWithNone() {
    assertThat(server.admin().post("/v1/subjects/user/cy/reset", null).status()).isEqualTo(204);
    assertThat(latest("subject.reset").get("reason").asText()).isEmpty();
    assertThat(server.admin().post("/v1/subjects/user/cy/reset", "{\"reason\":\"ticket 7\"}").status()).isEqualTo(204);
    assertThat(latest("subject.reset").get("reason").asText()).isEqualTo("ticket 7");
  }

  private static JsonNode latest(String action) {
    return server.admin().get("/v1/audit?limit=1&action=" + action).json().get("entries").get(0);
  }

  /** Everything a refused change could have touched. */
  private static String state() {
    Api admin = server.admin();
    return admin.get("/v1/policies").body() + admin.get("/v1/audit").body() + admin.get("/v1/keys").body()
        + admin.get("/v1/overrides?includeExpired=true").body();
  }
}
