package dev.quota.server.json;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * JSON text appended straight into a growing byte array, for the few small documents the hot path
 * answers with: no generator, no intermediate strings. Strings are escaped as Jackson escapes them
 * ({@code \"}, {@code \\}, the short forms of {@code \b \t \n \f \r}, {@code \}{@code u00XX} for
 * other control characters, everything else as UTF-8), so that what it writes equals what the
 * node-tree form of the same document prints. The caller places the commas and colons through
 * {@link #field} and {@link #element}.
 */
final class JsonBytes {
  private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

  private byte[] buf;
  private int len;
  /** Whether the innermost open object or array has a member yet: a comma goes before the next. */
  private long hasMember;
  private int depth;

  JsonBytes(int initialCapacity) {
    buf = new byte[initialCapacity];
  }

  JsonBytes startObject() {
    return open('{');
  }

  JsonBytes endObject() {
    return close('}');
  }

  JsonBytes startArray() {
    return open('[');
  }

  JsonBytes endArray() {
    return close(']');
  }

  /** A member name as JSON text with its colon, made once for a name written on every call. */
  static final class Name {
    private final byte[] text;

    private Name(byte[] text) {
      this.text = text;
    }
  }

  static Name name(String name) {
    JsonBytes j = new JsonBytes(name.length() + 8);
    j.string(name).put((byte) ':');
    return new Name(j.toByteArray());
  }

  /** Starts a member of the current object: its name, then the value the next call writes. */
  JsonBytes field(Name name) {
    element();
    byte[] text = name.text;
    ensure(text.length);
    System.arraycopy(text, 0, buf, len, text.length);
    len += text.length;
    return this;
  }

  JsonBytes field(Name name, String value) {
    return field(name).string(value);
  }

  JsonBytes field(Name name, long value) {
    return field(name).number(value);
  }

  JsonBytes field(Name name, boolean value) {
    field(name);
    return ascii(value ? "true" : "false");
  }

  /** Starts an element of the current array (or the member value of a field). */
  JsonBytes element() {
    long bit = 1L << depth;
    if ((hasMember & bit) != 0) {
      put((byte) ',');
    }
    hasMember |= bit;
    return this;
  }


  byte[] toByteArray() {
    return Arrays.copyOf(buf, len);
  }

  private JsonBytes open(char c) {
    put((byte) c);
    depth++;
    hasMember &= ~(1L << depth);
    return this;
  }

  private JsonBytes close(char c) {
    depth--;
    return put((byte) c);
  }

  private JsonBytes string(String s) {
    int n = s.length();
    ensure(n + 2);
    buf[len++] = '"';
    // Names, ids and amounts are plain ASCII: copied with room made once; the first character
    // that needs more hands the rest to the general loop.
    int i = 0;
    while (i < n) {
      char c = s.charAt(i);
      if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') {
        break;
      }
      buf[len++] = (byte) c;
      i++;
    }
    for (; i < n; i++) {
      char c = s.charAt(i);
      if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
        put((byte) c);
      } else if (c == '"' || c == '\\') {
        put((byte) '\\').put((byte) c);
      } else if (c < 0x20) {
        control(c);
      } else {
        // non-ASCII: UTF-8, surrogate pairs included, as String.getBytes encodes them
        int end = i + 1;
        while (end < s.length() && s.charAt(end) >= 0x80) {
          end++;
        }
        for (byte b : s.substring(i, end).getBytes(StandardCharsets.UTF_8)) {
          put(b);
        }
        i = end - 1;
      }
    }
    return put((byte) '"');
  }

  private void control(char c) {
    put((byte) '\\');
    switch (c) {
      case '\b' -> put((byte) 'b');
      case '\t' -> put((byte) 't');
      case '\n' -> put((byte) 'n');
      case '\f' -> put((byte) 'f');
      case '\r' -> put((byte) 'r');
      default -> put((byte) 'u').put((byte) '0').put((byte) '0').put(HEX[c >> 4]).put(HEX[c & 15]);
    }
  }

  /** Text known to be plain ASCII that needs no quotes: numbers and literals. */
  private JsonBytes ascii(String s) {
    int n = s.length();
    ensure(n);
    for (int i = 0; i < n; i++) {
      buf[len++] = (byte) s.charAt(i);
    }
    return this;
  }

  /** A whole number in decimal digits, as Long.toString writes it, without making the string. */
  private JsonBytes number(long v) {
    if (v == Long.MIN_VALUE) {
      return ascii(Long.toString(v));
    }
    ensure(20);
    if (v < 0) {
      buf[len++] = '-';
      v = -v;
    }
    int digits = 1;
    for (long t = v; t >= 10; t /= 10) {
      digits++;
    }
    for (int at = len + digits - 1; at >= len; at--) {
      buf[at] = (byte) ('0' + v % 10);
      v /= 10;
    }
    len += digits;
    return this;
  }

  /** Room for {@code more} bytes. */
  private void ensure(int more) {
    if (len + more > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(2 * buf.length, len + more));
    }
  }

  private JsonBytes put(byte b) {
    if (len == buf.length) {
      buf = Arrays.copyOf(buf, 2 * buf.length);
    }
    buf[len++] = b;
    return this;
  }
}
