package dev.quota.server.json;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ISO-8601 text of a limit's window ({@code PT1M}), as {@link Duration#toString()} writes it.
 * Every decision names the window of each of its limits, in its body and its headers, while a
 * deployment has a handful of distinct windows (those of its policies): the text is made once per
 * window. Past {@link #MOST} windows it is made afresh each time, so odd windows cannot grow the
 * cache without bound.
 */
public final class WindowText {
  private static final int MOST = 1024;
  private static final ConcurrentHashMap<Duration, String> TEXTS = new ConcurrentHashMap<>();

  private WindowText() {}

  public static String of(Duration window) {
    String text = TEXTS.get(window);
    if (text == null) {
      text = window.toString();
      if (TEXTS.size() < MOST) {
        TEXTS.putIfAbsent(window, text);
      }
    }
    return text;
  }

  /** Windows whose text is kept (for tests). */
  static int cached() {
    return TEXTS.size();
  }
}
