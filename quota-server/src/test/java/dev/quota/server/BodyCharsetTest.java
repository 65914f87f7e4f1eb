package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.store.conformance.MutableClock;
import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A JSON body is UTF-8 (RFC 8259). One in UTF-16 or UTF-32, or with bytes that are not UTF-8, is
 * refused, 400 naming the body and that rule, and changes nothing: the parser is never left to
 * guess another encoding from the first bytes. A UTF-8 byte order mark is UTF-8 and is skipped.
 */
class BodyCharsetTest {
  private static final String RULE = "must be UTF-8 (RFC 8259)";
  private static final String RESERVE = "{\"subjects\":{\"user\":\"charset\"},\"estimatedCost\":\"0.10\"}";
  private static final String POLICY = "{\"rateLimits\":[{\"limit\":5,\"window\":\"PT1M\"}]}";
  private static final Charset UTF_32BE = Charset.forName("UTF-32BE");
  private static final byte[] UTF8_BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

  /** Stands still, so the counters' reset times read the same before and after a refusal. */
  static final MutableClock clock = new MutableClock(Instant.parse("2030-05-06T07:00:00Z"));
  @RegisterExtension
  static final SharedServer server = SharedServer.embedded(clock);

  @BeforeAll
  static void policy() {
    server.admin().put("/v1/policies/user:*", "{\"rateLimits\":[{\"limit\":1000,\"window\":\"PT1H\"}],\"budget\":{\"currency\":\"USD\",\"daily\":\"100.00\"}}");
  }

  /** The bytes FF FE before UTF-8 JSON made the parser read {" as U+227B. */
  @Test
  void utf8JsonAfterAUtf16ByteOrderMarkIsRefusedForItsEncoding() {
    assertRefusedOnBothPaths(json -> concat(new byte[] {(byte) 0xFF, (byte) 0xFE}, json.getBytes(StandardCharsets.UTF_8)),
        "it starts with a UTF-16 byte order mark");
  }

  @Test
  void utf16WithAByteOrderMarkIsRefused() {
    assertRefusedOnBothPaths(json -> json.getBytes(StandardCharsets.UTF_16), "it starts with a UTF-16 byte order mark");
    assertRefusedOnBothPaths(json -> concat(new byte[] {(byte) 0xFF, (byte) 0xFE}, json.getBytes(StandardCharsets.UTF_16LE)),
        "it starts with a UTF-16 byte order mark");
  }

  @Test
  void utf16AndUtf32WithoutAByteOrderMarkAreRefused() {
    String why = "it starts with a zero byte, as UTF-16 and UTF-32 do";
    assertRefusedOnBothPaths(json -> json.getBytes(StandardCharsets.UTF_16LE), why);
    assertRefusedOnBothPaths(json -> json.getBytes(StandardCharsets.UTF_16BE), why);
    assertRefusedOnBothPaths(json -> json.getBytes(UTF_32BE), why);
  }

  @Test
  void utf32WithAByteOrderMarkIsRefused() {
    assertRefusedOnBothPaths(json -> concat(new byte[] {0, 0, (byte) 0xFE, (byte) 0xFF}, json.getBytes(UTF_32BE)),
        "it starts with a UTF-32 byte order mark");
  }

  /** Latin-1 text: é is the single byte E9, which UTF-8 never uses alone. */
  @Test
  void latin1TextIsRefusedAtItsFirstByteThatIsNotUtf8() {
    String before = state();
    String reservation = "{\"subjects\":{\"user\":\"caf\u00e9\"},\"estimatedCost\":\"0.10\"}";
    assertRefused(server.admin().sendBytes("POST", "/v1/reservations", reservation.getBytes(StandardCharsets.ISO_8859_1)),
        "byte " + (reservation.indexOf('\u00e9') + 1) + " is not valid UTF-8");
    String policy = "{\"rateLimits\":[{\"limit\":5,\"window\":\"PT1M\"}],\"caf\u00e9\":1}";
    assertRefused(server.admin().sendBytes("PUT", "/v1/policies/team:charset?reason=r", policy.getBytes(StandardCharsets.ISO_8859_1)),
        "byte " + (policy.indexOf('\u00e9') + 1) + " is not valid UTF-8");
    assertThat(server.admin().get("/v1/policies/team:charset").status()).isEqualTo(404);
    assertThat(state()).isEqualTo(before);
  }

  /** RFC 8259 lets a parser skip a UTF-8 byte order mark; editors write one, and it is true of the body. */
  @Test
  void aUtf8ByteOrderMarkIsSkipped() {
    Api.Response reserved = server.admin().sendBytes("POST", "/v1/reservations", concat(UTF8_BOM, RESERVE.getBytes(StandardCharsets.UTF_8)));
    assertThat(reserved.status()).as(reserved.toString()).isEqualTo(201);
    Api.Response written = server.admin().sendBytes("PUT", "/v1/policies/team:bom?reason=bom", concat(UTF8_BOM, POLICY.getBytes(StandardCharsets.UTF_8)));
    assertThat(written.status()).as(written.toString()).isEqualTo(201);
    assertThat(server.admin().get("/v1/policies/team:bom").json().get("rateLimits").get(0).get("limit").asInt()).isEqualTo(5);
  }

  /** A reservation is read by the streaming path, a policy by the tree: both refuse the body alike, and nothing changes. */
  private static void assertRefusedOnBothPaths(Function<String, byte[]> encode, String why) {
    String before = state();
    assertRefused(server.admin().sendBytes("POST", "/v1/reservations", encode.apply(RESERVE)), why);
    assertRefused(server.admin().sendBytes("PUT", "/v1/policies/team:charset?reason=r", encode.apply(POLICY)), why);
    assertThat(server.admin().get("/v1/policies/team:charset").status()).isEqualTo(404);
    assertThat(state()).isEqualTo(before);
  }

  private static void assertRefused(Api.Response r, String why) {
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.json().get("type").asText()).isEqualTo("urn:quota:problem:invalid-request");
    assertThat(r.json().get("field").asText()).isEqualTo("body");
    assertThat(r.json().get("rule").asText()).isEqualTo(RULE + ": " + why);
    assertThat(r.json().get("detail").asText()).isEqualTo("body: " + RULE + ": " + why);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(a);
    out.writeBytes(b);
    return out.toByteArray();
  }

  /** Everything a refused request could have touched. */
  private static String state() {
    Api admin = server.admin();
    return admin.get("/v1/usage/user/charset").body() + admin.get("/v1/policies").body() + admin.get("/v1/audit").body();
  }
}
