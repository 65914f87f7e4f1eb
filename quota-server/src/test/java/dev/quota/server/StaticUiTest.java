package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The UI is served from the classpath with the right types and cache headers, and nothing else is. */
class StaticUiTest {
  @RegisterExtension
  static final SharedServer server = SharedServer.embedded();

  @Test
  void servesTheEntryPointWithoutAKey() {
    Api.Response r = server.anonymous().get("/");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.contentType().replace(" ", "")).isEqualTo("text/html;charset=utf-8");
    assertThat(r.header("Cache-Control")).isEqualTo("no-cache");
    assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
    // Only the console's own scripts run: no inline script, no other origin.
    assertThat(r.header("Content-Security-Policy")).contains("script-src 'self';", "object-src 'none'", "frame-ancestors 'none'");
    assertThat(r.header("Content-Security-Policy").replace("style-src-attr 'unsafe-inline'", "")).doesNotContain("unsafe");
    assertThat(r.body()).containsIgnoringCase("<html");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "/../openapi.json", "/..%2fopenapi.json", "/%2e%2e/openapi.json", "/%2e%2e%2fopenapi.json",
      "/..%5copenapi.json", "/ui/../logback.xml", "/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/....//openapi.json",
      "/dev/quota/server/QuotaServer.class", "/logback.xml", "/.hidden.js", "/index.html%00.js",
      "/%252e%252e/openapi.json", "/META-INF/MANIFEST.MF", "/ui"})
  void neverServesAnythingOutsideTheUiFolder(String path) {
    Api.Response r = server.anonymous().get(path);
    assertThat(r.status()).as(path + " -> " + r).isIn(400, 401, 404);
    assertThat(r.body()).doesNotContain("\"openapi\"").doesNotContain("<configuration").doesNotContain("root:");
  }

  @Test
  void unknownFilesAre404Problems() {
    Api.Response r = server.anonymous().get("/no-such-page.html");
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.contentType()).startsWith("application/problem+json");
  }
}
