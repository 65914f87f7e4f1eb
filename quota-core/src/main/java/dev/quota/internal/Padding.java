package dev.quota.internal;

/**
 * Whether an identifier begins or ends with whitespace: {@code "alice "} is accepted as text but is
 * another identifier than {@code "alice"}, and almost always a caller's mistake (a value read from a
 * line, a form, a spreadsheet cell) that would silently count apart from the one meant. Whitespace is
 * any code point {@link Character#isWhitespace} or {@link Character#isSpaceChar} says it is, so the
 * no-break spaces (U+00A0, U+2007, U+202F) and the ideographic space (U+3000) count too. Inner
 * whitespace is left alone: {@code "Alice Smith"} is one name.
 */
public final class Padding {
  private Padding() {}

  /** Whether {@code s}'s first or last code point is whitespace; false for an empty text. */
  public static boolean isPadded(String s) {
    int n = s.length();
    return n > 0 && (isWhitespace(s.codePointAt(0)) || isWhitespace(s.codePointBefore(n)));
  }

  private static boolean isWhitespace(int cp) {
    // Printable ASCII other than the space, nearly every identifier's ends: no code point lookup.
    if (cp > ' ' && cp < 0x7f) {
      return false;
    }
    return Character.isWhitespace(cp) || Character.isSpaceChar(cp);
  }
}
