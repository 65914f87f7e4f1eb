package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quota.store.conformance.MutableClock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The server decodes no content coding, so a body declared in one (compressed, or plain JSON
 * labelled as compressed) is refused, 415 naming Content-Encoding with Accept-Encoding: identity,
 * and changes nothing. Identity, which is no coding at all, is taken.
 */
class ContentEncodingTest {
  private static final String RULE = "must be identity or none: the server does not decode request bodies, so send the body unencoded";
  private static final String RESERVE = "{\"subjects\":{\"user\":\"coded\"},\"estimatedCost\":\"0.10\"}";

  /** Stands still, so the counters' reset times read the same before and after a refusal. */
  static final MutableClock clock = new MutableClock(Instant.parse("2030-05-06T07:00:00Z"));
  @RegisterExtension
  static final SharedServer server = SharedServer.embedded(clock);

  @BeforeAll
  static void policy() {
    server.admin().put("/v1/policies/user:*", "{\"rateLimits\":[{\"limit\":1000,\"window\":\"PT1H\"}],\"budget\":{\"currency\":\"USD\",\"daily\":\"100.00\"}}");
  }

  /** Plain JSON under a coding's label: read as sent, it would be taken for what the label says it is not. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"gzip", "GZIP", "x-gzip", "deflate", "br", "zstd", "identity, gzip", "gzip, identity", "identity;q=1"})
  void plainJsonLabelledWithACodingIsRefusedAndHoldsNothing(String coding) {
    String before = state();
    assertRefused(server.admin().send("POST", "/v1/reservations", RESERVE, "Content-Encoding", coding));
    assertThat(state()).isEqualTo(before);
  }

  @Test
  void aGzippedReservationIsRefusedAndHoldsNothing() {
    String before = state();
    assertRefused(server.admin().sendBytes("POST", "/v1/reservations", gzip(RESERVE), "Content-Encoding", "gzip"));
    assertThat(state()).isEqualTo(before);
  }

  /** Every route that reads a body refuses one in a coding, before it does anything with it. */
  @Test
  void everyRouteWithABodyRefusesACoding() {
    String before = state();
    BodyRoutes.assertEachRefuses(server, "Content-Encoding", "gzip");
    assertThat(state()).isEqualTo(before);
  }

  @Test
  void aPolicyLabelledGzipIsNotWritten() {
    String before = state();
    assertRefused(server.admin().send("PUT", "/v1/policies/team:coded?reason=gzip", "{\"rateLimits\":[{\"limit\":5,\"window\":\"PT1M\"}]}",
        "Content-Encoding", "gzip"));
    assertThat(server.admin().get("/v1/policies/team:coded").status()).isEqualTo(404);
    assertThat(state()).isEqualTo(before);
  }

  /** A coding on a second line is as much the body's as one on the first. */
  @Test
  void aCodingOnASecondLineIsRefused() {
    String before = state();
    assertRefused(server.admin().send("POST", "/v1/reservations", RESERVE, "Content-Encoding", "identity", "Content-Encoding", "gzip"));
    assertThat(state()).isEqualTo(before);
  }

  /** The coding is the first thing wrong: it is undone before the media type means anything. */
  @Test
  void aCodingIsNamedBeforeTheMediaType() {
    assertRefused(server.admin().send("POST", "/v1/reservations", RESERVE, "Content-Encoding", "gzip", "Content-Type", "text/plain"));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"identity", "IDENTITY", " identity ", "identity, identity"})
  void identityIsNoCodingAndIsTaken(String coding) {
    Api.Response reserved = server.admin().send("POST", "/v1/reservations", RESERVE, "Content-Encoding", coding);
    assertThat(reserved.status()).as(reserved.toString()).isEqualTo(201);
    String id = reserved.json().get("reservationId").asText();
    Api.Response committed = server.admin().send("POST", "/v1/reservations/" + id + "/commit", "{\"actualCost\":\"0.05\"}",
        "Content-Encoding", coding);
    assertThat(committed.status()).as(committed.toString()).isEqualTo(200);
  }

  private static void assertRefused(Api.Response r) {
    assertThat(r.status()).as(r.toString()).isEqualTo(415);
    assertThat(r.contentType()).isEqualTo("application/problem+json; charset=utf-8");
    assertThat(r.header("Accept-Encoding")).isEqualTo("identity");
    JsonNode p = r.json();
    assertThat(p.get("type").asText()).isEqualTo("urn:quota:problem:unsupported-media-type");
    assertThat(p.get("field").asText()).isEqualTo("Content-Encoding");
    assertThat(p.get("rule").asText()).isEqualTo(RULE);
    assertThat(p.get("detail").asText()).isEqualTo("Content-Encoding: " + RULE);
  }

  private static byte[] gzip(String json) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(out)) {
      z.write(json.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Everything a refused request could have touched. */
  private static String state() {
    Api admin = server.admin();
    return admin.get("/v1/usage/user/coded").body() + admin.get("/v1/policies").body()
        + admin.get("/v1/audit").body() + admin.get("/v1/keys").body() + admin.get("/v1/overrides?includeExpired=true").body();
  }
}
