package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Requests Jetty refuses before any route sees them (no HTTP client would send them, so they go
 * over a raw socket) are answered with problem documents, not Jetty's HTML pages.
 */
class ProtocolErrorTest {
  @RegisterExtension
  static final SharedServer server = SharedServer.embedded();

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "NUL in the path            | GET /v1/a%00b HTTP/1.1                                     | 400 | request",
      "bad percent-escape         | GET /v1/a%ZZ HTTP/1.1                                      | 400 | request",
      "bare percent sign          | GET /v1/a% HTTP/1.1                                        | 400 | request",
      "ambiguous segments         | GET /..%2F..%2Fetc%2Fpasswd HTTP/1.1                       | 400 | request",
      "negative Content-Length    | POST /v1/check HTTP/1.1\\r\\nContent-Length: -1             | 400 | Content-Length",
      "repeated Content-Length    | POST /v1/check HTTP/1.1\\r\\nContent-Length: 2\\r\\nContent-Length: 3 | 400 | Content-Length",
      "Authorization over 32 KiB  | GET /v1/whoami HTTP/1.1\\r\\nAuthorization: Bearer {33000} | 431 | headers",
      "request line over 32 KiB   | GET /{33000} HTTP/1.1                                      | 414 | path",
      "query over 32 KiB          | DELETE /v1/policies/user:q?reason={33000} HTTP/1.1         | 414 | path",
      "unknown version            | GET /v1/whoami HTTP/9.9                                    | 505 | version",
      "HTTP/2 without upgrade     | PRI * HTTP/2.0                                             | 426 | version",
      "Content-Length past 2^63   | POST /v1/check HTTP/1.1\\r\\nContent-Length: 99999999999999999999 | 400 | request",
      "Upgrade without Connection | GET /v1/whoami HTTP/1.1\\r\\nUpgrade: websocket            | 400 | request"})
  void refusedBeforeRoutingIsAProblemDocument(String what, String head, int status, String field) {
    String request = head.replace("\\r\\n", "\r\n").replace("{33000}", "k".repeat(33_000));
    int line = request.indexOf("\r\n");
    // Host goes right after the request line, so it is read before anything that is refused
    String withHost = line < 0 ? request + "\r\nHost: localhost" : request.substring(0, line) + "\r\nHost: localhost" + request.substring(line);
    RawHttp.Response r = RawHttp.exchange(server.server().port(), withHost, "{}".getBytes(StandardCharsets.UTF_8));
    assertThat(r.status()).as(r.toString()).isEqualTo(status);
    assertThat(r.header("Content-Type")).startsWith("application/problem+json");
    assertThat(r.json().get("status").asInt()).isEqualTo(status);
    assertThat(r.json().get("type").asText()).startsWith("urn:quota:problem:");
    assertThat(r.json().get("field").asText()).isEqualTo(field);
    assertThat(r.text()).doesNotContain("<h1>", "Bad Message", "jetty");
  }

  /**
   * A query the servlet layer cannot decode would lose the parameter: a report filtered by
   * {@code id=%ZZ} would cover the whole scope, a reason would be stored empty. It is a 400 naming it.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "bad escape in a filter     | GET /v1/reports/costs?scope=user&id=%ZZ    | id",
      "bare percent in a filter   | GET /v1/audit?actor=%                      | actor",
      "invalid UTF-8 in a filter  | GET /v1/reports/costs?scope=user&id=%C3%28 | id",
      "bad escape in a reason     | DELETE /v1/policies/user:q?reason=%ZZ      | reason",
      "bad escape in a name       | GET /v1/audit?%ZZ=1                        | query"})
  void aQueryThatDoesNotDecodeIsRefusedByName(String what, String target, String field) {
    String before = server.admin().get("/v1/policies").body();
    RawHttp.Response r = RawHttp.exchange(server.server().port(), target + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
        + TestServer.ADMIN_KEY, new byte[0]);
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.json().get("field").asText()).isEqualTo(field);
    assertThat(r.json().get("rule").asText()).contains("percent-encoded UTF-8");
    assertThat(server.admin().get("/v1/policies").body()).isEqualTo(before);
  }

  @Test
  void aWellFormedQueryStillWorks() {
    RawHttp.Response r = RawHttp.exchange(server.server().port(),
        "GET /v1/reports/costs?scope=user&id=caf%C3%A9+au+lait HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + TestServer.ADMIN_KEY,
        new byte[0]);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
  }

  /** Jetty reports a malformed chunk to the reader as an early end of the body: a 400, not an empty 500. */
  @Test
  void aMalformedChunkedBodyIsA400() {
    RawHttp.Response r = chunked("ZZ\r\n");
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.header("Content-Type")).startsWith("application/problem+json");
    assertThat(r.json().get("field").asText()).isEqualTo("body");
  }

  @Test
  void aChunkedBodyOver64KiBIsA413() {
    String chunk = "k".repeat(70_000);
    RawHttp.Response r = chunked(Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n0\r\n\r\n");
    assertThat(r.status()).as(r.toString()).isEqualTo(413);
    assertThat(r.json().get("field").asText()).isEqualTo("body");
  }

  private static RawHttp.Response chunked(String body) {
    return RawHttp.exchange(server.server().port(), "POST /v1/check HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
        + TestServer.ADMIN_KEY + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked", body.getBytes(StandardCharsets.UTF_8));
  }
}
