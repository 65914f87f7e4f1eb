package dev.quota.internal;

/**
 * How a problem names a field inside another: {@code budget.daily}, {@code meters.tokens}. Many
 * names are the client's own (an unknown field, a subject's scope, a meter); one that is empty or
 * only whitespace is written as its JSON string ({@code ""}, {@code " "}), so the problem still
 * names a field, where the bare name named none ({@code {"":1}}) or left a path ending in a dot.
 */
public final class FieldPath {
  private FieldPath() {}

  /** The field {@code name} inside {@code parent}; {@code parent} is empty for a field of the body itself. */
  public static String child(String parent, String name) {
    String n = String.valueOf(name);
    String segment = n.isBlank() ? quoted(n) : n;
    return parent.isEmpty() ? segment : parent + "." + segment;
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
