package dev.quota.server.http;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Strict percent-decoding of the parts of a URI: every '%' starts two hex digits and the bytes are
 * UTF-8. The servlet layer is lenient (it drops a query parameter it cannot decode and turns bytes
 * that are not UTF-8 into U+FFFD), so what it hands over cannot tell a bad request from a good one.
 */
final class PercentDecoding {
  /** The rule a part of the URI that does not decode breaks. */
  static final String RULE =
      "must be percent-encoded UTF-8: each '%' takes two hex digits, and the bytes they encode must be UTF-8";

  private PercentDecoding() {}

  /** Whether {@code raw} decodes; {@code '+'} is a space in a query, itself in a path. */
  static boolean decodes(String raw) {
    return decodedOrNull(raw, false) != null;
  }

  /** {@code raw} decoded, or null when it is not percent-encoded UTF-8. */
  static String decodedOrNull(String raw, boolean plusIsSpace) {
    if (raw.indexOf('%') < 0 && isAscii(raw)) {
      return plusIsSpace ? raw.replace('+', ' ') : raw; // the common case: nothing to decode
    }
    ByteBuffer bytes = ByteBuffer.allocate(raw.length() * 4);
    int i = 0;
    while (i < raw.length()) {
      char c = raw.charAt(i);
      if (c == '%') {
        if (i + 2 >= raw.length()) {
          return null;
        }
        int hi = Character.digit(raw.charAt(i + 1), 16);
        int lo = Character.digit(raw.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          return null;
        }
        bytes.put((byte) (hi << 4 | lo));
        i += 3;
      } else if (c == '+' && plusIsSpace) {
        bytes.put((byte) ' ');
        i++;
      } else {
        // A run of plain characters, encoded whole so a surrogate pair stays one character.
        int end = i + 1;
        while (end < raw.length() && raw.charAt(end) != '%' && !(plusIsSpace && raw.charAt(end) == '+')) {
          end++;
        }
        bytes.put(raw.substring(i, end).getBytes(StandardCharsets.UTF_8));
        i = end;
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
      return null;
    }
  }

  private static boolean isAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }
}
