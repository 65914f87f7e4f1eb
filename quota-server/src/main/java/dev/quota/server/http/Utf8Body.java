package dev.quota.server.http;

/**
 * Refuses a body that is not UTF-8 before the parser sees it. JSON between systems is UTF-8
 * (RFC 8259 8.1), but the parser guesses an encoding from a body's first bytes: a UTF-16 or UTF-32
 * byte order mark, or a zero byte among the first two, has it decode the rest as UTF-16 or UTF-32
 * and then report what that decoding made of it ("unexpected character U+227B"), which says
 * nothing of the real mistake. So every body is checked here first, whole, and after that check the
 * parser can only read UTF-8: none starts with those bytes.
 *
 * <p>A UTF-8 byte order mark is UTF-8 and is skipped, as RFC 8259 lets a parser do: editors on
 * some systems write one at the start of a saved file, and it says nothing false about the body.
 *
 * <p>Decisions pass here, so the check is one pass over the bytes, ASCII taken a byte at a time.
 */
final class Utf8Body {
  static final String RULE = "must be UTF-8 (RFC 8259)";

  private Utf8Body() {}

  /** Refuses {@code body} (400 naming {@code body}) unless it is well-formed UTF-8 that the parser will read as such. */
  static void require(byte[] body) {
    String why = problem(body);
    if (why != null) {
      throw ApiError.badInput("body", RULE + ": " + why);
    }
  }

  /** Why {@code body} is not UTF-8, or null if it is. */
  static String problem(byte[] body) {
    int n = body.length;
    if (n >= 4 && body[0] == 0 && body[1] == 0 && body[2] == (byte) 0xFE && body[3] == (byte) 0xFF
        || n >= 4 && body[0] == (byte) 0xFF && body[1] == (byte) 0xFE && body[2] == 0 && body[3] == 0) {
      return "it starts with a UTF-32 byte order mark";
    }
    if (n >= 2 && (body[0] == (byte) 0xFE && body[1] == (byte) 0xFF || body[0] == (byte) 0xFF && body[1] == (byte) 0xFE)) {
      return "it starts with a UTF-16 byte order mark";
    }
    if (n >= 1 && body[0] == 0 || n >= 2 && body[1] == 0) {
      // UTF-16 and UTF-32 put a zero byte beside every ASCII character; a JSON text in UTF-8 has none.
      return "it starts with a zero byte, as UTF-16 and UTF-32 do";
    }
    int bad = firstInvalid(body);
    return bad < 0 ? null : "byte " + (bad + 1) + " is not valid UTF-8";
  }

  /**
   * The index of the first byte that does not belong to a well-formed UTF-8 sequence (RFC 3629:
   * no overlong forms, no surrogates, nothing past U+10FFFF), or -1 if there is none.
   */
  static int firstInvalid(byte[] b) {
    int n = b.length;
    int i = 0;
    while (i < n) {
      int c = b[i] & 0xFF;
      if (c < 0x80) {
        i++;
        continue;
      }
      int length;
      int min = 0x80;
      int max = 0xBF;
      if (c >= 0xC2 && c <= 0xDF) {
        length = 2;
      } else if (c >= 0xE0 && c <= 0xEF) {
        length = 3;
        if (c == 0xE0) {
          min = 0xA0; // below: an overlong form
        } else if (c == 0xED) {
          max = 0x9F; // above: a surrogate
        }
      } else if (c >= 0xF0 && c <= 0xF4) {
        length = 4;
        if (c == 0xF0) {
          min = 0x90; // below: an overlong form
        } else if (c == 0xF4) {
          max = 0x8F; // above: past U+10FFFF
        }
      } else {
        return i; // a continuation byte with no start, an overlong start (C0, C1) or a byte UTF-8 never uses
      }
      if (i + 1 >= n || (b[i + 1] & 0xFF) < min || (b[i + 1] & 0xFF) > max) {
        return i;
      }
      for (int k = 2; k < length; k++) {
        if (i + k >= n || (b[i + k] & 0xC0) != 0x80) {
          return i;
        }
      }
      i += length;
    }
    return -1;
  }
}
