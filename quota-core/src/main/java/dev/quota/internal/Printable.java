package dev.quota.internal;

/**
 * Whether text is printable: no control characters (NUL, ESC, line breaks), no line or paragraph
 * separators, no invisible format characters, no unassigned code points and no lone surrogates.
 * One rule for every identifier and free text the engine stores, so none can smuggle terminal
 * escapes into a log or break a line-based record.
 */
public final class Printable {
  private Printable() {}

  public static boolean isPrintable(String s) {
    for (int i = 0; i < s.length(); ) {
      char c = s.charAt(i);
      if (c >= 0x20 && c < 0x7f) { // printable ASCII, nearly every text: no code point lookup
        i++;
        continue;
      }
      int cp = s.codePointAt(i);
      if (!isPrintable(cp)) {
        return false;
      }
      i += Character.charCount(cp);
    }
    return true;
  }

  private static boolean isPrintable(int cp) {
    int type = Character.getType(cp);
    return !Character.isISOControl(cp)
        && type != Character.UNASSIGNED
        && type != Character.LINE_SEPARATOR
        && type != Character.PARAGRAPH_SEPARATOR
        && type != Character.SURROGATE
        && type != Character.FORMAT;
  }
}
