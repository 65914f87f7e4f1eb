package dev.quota.server.api;

import dev.quota.server.http.ApiError;
import java.util.ArrayList;
import java.util.List;

/**
 * An {@code If-Match} condition (RFC 9110, section 13.1.1): {@code *}, "any current policy", or a
 * list of entity tags, one of which must be the current policy's {@link PolicyTag}. If-Match
 * compares strongly, so a weak tag ({@code W/"..."}) is well formed but never matches.
 *
 * @param tags each as sent, quotes (and any {@code W/}) included; empty for {@code *}
 */
record IfMatch(boolean any, List<String> tags) {
  static final String HEADER = "If-Match";
  static final String RULE = "must be * or a list of entity tags, each in double quotes as the ETag header gives them";

  /** True if a policy whose tag is {@code current} meets the condition. */
  boolean matches(String current) {
    return any || tags.contains(current);
  }

  /**
   * The condition the header's lines give, read as one list (a recipient may join them). Anything
   * else, an empty value or {@code *} beside a tag included, is refused with 400 naming the header:
   * a condition that cannot be read must not turn into none.
   */
  static IfMatch parse(List<String> lines) {
    String value = String.join(",", lines).strip();
    if (value.equals("*")) {
      return new IfMatch(true, List.of());
    }
    List<String> tags = new ArrayList<>();
    int i = 0;
    while (i < value.length()) {
      char c = value.charAt(i);
      if (c == ',' || c == ' ' || c == '\t') {
        i++; // empty list elements and the whitespace around elements
        continue;
      }
      int start = i;
      if (value.startsWith("W/", i)) {
        i += 2;
      }
      if (i == value.length() || value.charAt(i) != '"') {
        throw malformed();
      }
      int close = i + 1;
      while (close < value.length() && value.charAt(close) != '"') {
        if (!tagCharacter(value.charAt(close))) {
          throw malformed();
        }
        close++;
      }
      if (close == value.length()) {
        throw malformed();
      }
      tags.add(value.substring(start, close + 1));
      i = close + 1;
      while (i < value.length() && (value.charAt(i) == ' ' || value.charAt(i) == '\t')) {
        i++;
      }
      if (i < value.length() && value.charAt(i) != ',') {
        throw malformed();
      }
    }
    if (tags.isEmpty()) {
      throw malformed();
    }
    return new IfMatch(false, List.copyOf(tags));
  }

  /** etagc: any visible character but the double quote, or obs-text. */
  private static boolean tagCharacter(char c) {
    return c == 0x21 || c >= 0x23 && c <= 0x7E || c >= 0x80 && c <= 0xFF;
  }

  private static ApiError malformed() {
    return ApiError.badInput(HEADER, RULE);
  }
}
