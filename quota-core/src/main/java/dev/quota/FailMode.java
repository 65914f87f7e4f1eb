package dev.quota;

import java.util.Locale;

/** What a decision does when the counter store cannot answer in time. */
public enum FailMode {
  /** Deny: nobody may overspend because the store was down. The default for budgets. */
  CLOSED,
  /** Admit and count the admission as fail-open. Rate limits may choose it. */
  OPEN;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static FailMode fromWire(String field, String text) {
    for (FailMode m : values()) {
      if (m.wireName().equals(text)) {
        return m;
      }
    }
    throw new ValidationException(field, "must be closed or open");
  }
}
