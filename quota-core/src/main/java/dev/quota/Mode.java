package dev.quota;

import java.util.Locale;

/** Whether a policy's limits deny ({@code ENFORCE}) or only evaluate and report ({@code SHADOW}). */
public enum Mode {
  ENFORCE,
  SHADOW;

  /** Computed once, as {@link LimitKind}'s: every decision a server writes names each limit's mode. */
  private final String wireName = name().toLowerCase(Locale.ROOT);

  public String wireName() {
    return wireName;
  }

  public static Mode fromWire(String field, String text) {
    for (Mode m : values()) {
      if (m.wireName().equals(text)) {
        return m;
      }
    }
    throw new ValidationException(field, "must be enforce or shadow");
  }
}
