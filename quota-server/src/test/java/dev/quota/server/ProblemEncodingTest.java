package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Problem documents are UTF-8 and say so, as success bodies are: a detail that quotes a non-ASCII
 * path or value comes back as the same characters, read here from the raw bytes.
 */
class ProblemEncodingTest {
  @RegisterExtension
  static final SharedServer server = SharedServer.embedded();

  @Test
  void aPathOutsideLatin1IsQuotedInUtf8() {
    RawHttp.Response r = get("/v1/policies/user:%C3%A9");
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.header("Content-Type")).isEqualToIgnoringCase("application/problem+json; charset=utf-8");
    assertThat(r.json().get("detail").asText()).isEqualTo("no policy for user:\u00e9");
  }

  @Test
  void aCharacterOutsideTheBasicPlaneSurvives() {
    RawHttp.Response r = get("/v1/policies/user:%F0%9F%98%80");
    assertThat(r.json().get("detail").asText()).isEqualTo("no policy for user:\uD83D\uDE00");
  }

  @Test
  void aValueQuotedBackFromTheBodySurvives() {
    byte[] body = "{\"subjects\":{\"user\":\"d1\"},\"estimatedCost\":\"\u0661\u0662\"}".getBytes(StandardCharsets.UTF_8);
    RawHttp.Response r = RawHttp.exchange(server.server().port(), "POST /v1/check HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
        + TestServer.ADMIN_KEY + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length, body);
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().get("detail").asText()).contains("'\u0661\u0662'");
  }

  private static RawHttp.Response get(String path) {
    return RawHttp.exchange(server.server().port(), "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + TestServer.ADMIN_KEY, new byte[0]);
  }
}
