package dev.quota.internal;

/**
 * How a problem names a field inside another: {@code budget.daily}, {@code meters.tokens}. Many
 * names are the client's own (an unknown field, a subject's scope, a meter); one that is empty or
 * only whitespace is written as its JSON string ({@code ""}, {@code " "}), so the problem still
 * names a field, where the bare name named none ({@code {"":1}}) or left a path ending in a dot.
 * One longer than {@link #MAX_SEGMENT} characters is cut there and marked with an ellipsis: no name
 * of the API is that long, and a problem should not echo a client's whole kilobytes back.
 */
public final class FieldPath {
  /** The longest name written whole: well past every name the API gives (at most 32 characters). */
  static final int MAX_SEGMENT = 64;

  private FieldPath() {}

  /** The field {@code name} inside {@code parent}; {@code parent} is empty for a field of the body itself. */
  public static String child(String parent, String name) {
    String n = String.valueOf(name);
    String segment = n.isBlank() ? quoted(n) : n.length() > MAX_SEGMENT ? cut(n) : n;
    return parent.isEmpty() ? segment : parent + "." + segment;
  }

  /** The first {@link #MAX_SEGMENT} characters and an ellipsis, never splitting a surrogate pair. */
  private static String cut(String name) {
    int end = Character.isHighSurrogate(name.charAt(MAX_SEGMENT - 1)) ? MAX_SEGMENT - 1 : MAX_SEGMENT;
    return name.substring(0, end) + "\u2026";
  }

  /** Whitespace as JSON writes it in a string: control characters (a tab, a line break) escaped. */
  private static String quoted(String blank) {
    StringBuilder q = new StringBuilder("\"");
    for (char c : blank.toCharArray()) {
      q.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
    }
    return q.append('"').toString();
  }
}
