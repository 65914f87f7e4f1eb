package dev.quota.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Which bodies are UTF-8, and where one that is not first goes wrong. */
class Utf8BodyTest {
  @ParameterizedTest(name = "[{0}]")
  @ValueSource(strings = {"", "7b7d", "c3a9", "e282ac", "f09f9880", "f48fbfbf", "ed9fbf", "ee8080", "efbbbf7b7d", "7b2261223a22c3a9227d"})
  void takesUtf8(String hex) {
    assertThat(Utf8Body.problem(bytes(hex))).isNull();
  }

  /** hex, then the 1-based number of the first byte that is not UTF-8. */
  @ParameterizedTest(name = "[{0}]")
  @CsvSource({
      "7b22e9227d, 3",        // Latin-1 é
      "7b80, 2",              // a continuation byte with no start
      "c0af, 1",              // an overlong '/'
      "c1bf, 1",
      "e080af, 1",            // an overlong three-byte form
      "f08f8080, 1",          // an overlong four-byte form
      "eda080, 1",            // a surrogate
      "f4908080, 1",          // past U+10FFFF
      "f5808080, 1",
      "7bc3, 2",              // cut short at the end
      "e28220, 1",            // cut short by ASCII
      "7bfe, 2"})
  void findsTheFirstByteThatIsNot(String hex, int byteNumber) {
    assertThat(Utf8Body.problem(bytes(hex))).isEqualTo("byte " + byteNumber + " is not valid UTF-8");
  }

  @ParameterizedTest(name = "[{0}]")
  @CsvSource({
      "fffe7b002200, it starts with a UTF-16 byte order mark",
      "feff007b0022, it starts with a UTF-16 byte order mark",
      "fffe7b22, it starts with a UTF-16 byte order mark",
      "0000feff0000007b, it starts with a UTF-32 byte order mark",
      "fffe00007b000000, it starts with a UTF-32 byte order mark",
      "7b002200, 'it starts with a zero byte, as UTF-16 and UTF-32 do'",
      "007b0022, 'it starts with a zero byte, as UTF-16 and UTF-32 do'",
      "0000007b, 'it starts with a zero byte, as UTF-16 and UTF-32 do'"})
  void refusesWhatTheParserWouldReadAsUtf16OrUtf32(String hex, String why) {
    assertThat(Utf8Body.problem(bytes(hex))).isEqualTo(why);
  }

  @Test
  void aRefusalNamesTheBodyAndTheRule() {
    ApiError e = catchThrowableOfType(() -> Utf8Body.require(bytes("fffe7b22")), ApiError.class);
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.field()).isEqualTo("body");
    assertThat(e.rule()).isEqualTo("must be UTF-8 (RFC 8259): it starts with a UTF-16 byte order mark");
  }

  /** Against the JDK's strict decoder: the same bodies are UTF-8, and the same byte is the first that is not. */
  @Test
  void agreesWithTheJdkDecoderOnRandomBytes() {
    Random random = new Random(8259);
    byte[] alphabet = bytes("7b2261c3a9e282acf09f9880eda080c0af80bfc2dff4908f8fefbbbfe0a0f0");
    for (int run = 0; run < 200_000; run++) {
      byte[] b = new byte[random.nextInt(8)];
      for (int i = 0; i < b.length; i++) {
        b[i] = random.nextInt(3) == 0 ? (byte) random.nextInt(256) : alphabet[random.nextInt(alphabet.length)];
      }
      assertThat(Utf8Body.firstInvalid(b)).as(HexFormat.of().formatHex(b)).isEqualTo(jdkFirstInvalid(b));
    }
  }

  private static int jdkFirstInvalid(byte[] b) {
    CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(b);
    CoderResult r = d.decode(in, CharBuffer.allocate(2 * b.length + 2), true);
    if (r.isError()) {
      return in.position();
    }
    return d.flush(CharBuffer.allocate(2)).isError() ? in.position() : -1;
  }

  private static byte[] bytes(String hex) {
    return HexFormat.of().parseHex(hex);
  }
}
