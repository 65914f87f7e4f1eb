package dev.quota.internal;

/** The one rule for scope and meter names, checked by hand: it runs on every request. */
public final class Names {
  public static final String RULE = "must be 1-32 characters: a lowercase letter, then lowercase letters, digits or '_'";

  private Names() {}

  /** A lowercase letter, then up to 31 lowercase letters, digits or '_'. */
  public static boolean isName(String s) {
    int n = s.length();
    if (n == 0 || n > 32 || !isLower(s.charAt(0))) {
      return false;
    }
    for (int i = 1; i < n; i++) {
      char c = s.charAt(i);
      if (!isLower(c) && !(c >= '0' && c <= '9') && c != '_') {
        return false;
      }
    }
    return true;
  }

  private static boolean isLower(char c) {
    return c >= 'a' && c <= 'z';
  }
}
