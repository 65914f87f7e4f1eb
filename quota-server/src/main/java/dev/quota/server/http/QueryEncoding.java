package dev.quota.server.http;

import io.javalin.Javalin;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Refuses a query string that is not percent-encoded UTF-8. The servlet layer drops a parameter it
 * cannot decode, so {@code ?id=%ZZ} would read as no id at all and a report filtered by it would
 * quietly cover everyone; the same escapes in the path are already refused.
 */
public final class QueryEncoding {
  static final String RULE = "must be percent-encoded UTF-8: each '%' takes two hex digits";

  private QueryEncoding() {}

  public static void install(Javalin app) {
    app.before(ctx -> requireWellFormed(ctx.queryString()));
  }

  /** Throws a 400 naming the first parameter (or {@code query}) that does not decode. */
  static void requireWellFormed(String rawQuery) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return; // decisions carry no query: nothing to do on the hot path
    }
    for (String pair : rawQuery.split("&", -1)) {
      int eq = pair.indexOf('=');
      String name = decodedOrNull(eq < 0 ? pair : pair.substring(0, eq));
      if (name == null || (eq >= 0 && decodedOrNull(pair.substring(eq + 1)) == null)) {
        throw ApiError.badInput(name == null || name.isEmpty() ? "query" : name, RULE);
      }
    }
  }

  private static String decodedOrNull(String raw) {
    try {
      return decode(raw);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** Strict percent-decoding: '+' is a space, '%' must start two hex digits, the bytes must be UTF-8. */
  private static String decode(String raw) {
    ByteBuffer bytes = ByteBuffer.allocate(raw.length() * 4);
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        if (i + 2 >= raw.length()) {
          throw new IllegalArgumentException("truncated escape");
        }
        int hi = Character.digit(raw.charAt(i + 1), 16);
        int lo = Character.digit(raw.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          throw new IllegalArgumentException("not hex");
        }
        bytes.put((byte) (hi << 4 | lo));
        i += 2;
      } else if (c == '+') {
        bytes.put((byte) ' ');
      } else {
        bytes.put(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
      }
    }
    bytes.flip();
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(bytes)
          .toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("not UTF-8");
    }
  }
}
