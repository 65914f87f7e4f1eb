package dev.quota;

import java.util.Locale;

/** How a rate limit counts. */
public enum Algorithm {
  /**
   * Strict sliding window: no interval of the window's length ever admits more than the limit.
   * See {@code dev.quota.internal.SlidingWindow} for its precision.
   */
  SLIDING_WINDOW,
  /**
   * Token bucket of capacity {@code limit}, refilled at {@code limit / window} in ticks of 1 ms (up
   * to 41 s for windows longer than 65.5 s), never faster than a continuous refill. See {@code
   * dev.quota.internal.TokenBucket}.
   */
  TOKEN_BUCKET;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Algorithm fromWire(String field, String text) {
    for (Algorithm a : values()) {
      if (a.wireName().equals(text)) {
        return a;
      }
    }
    throw new ValidationException(field, "must be sliding_window or token_bucket");
  }
}
