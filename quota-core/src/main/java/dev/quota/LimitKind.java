package dev.quota;

import java.util.Locale;

/** The kinds of limit a decision reports on. */
public enum LimitKind {
  RATE,
  BUDGET_DAILY,
  BUDGET_MONTHLY,
  BUDGET_PER_REQUEST,
  CONCURRENCY;

  /** Computed once: every decision a server writes names the kind of each of its limits. */
  private final String wireName = name().toLowerCase(Locale.ROOT);

  public boolean isMoney() {
    return this == BUDGET_DAILY || this == BUDGET_MONTHLY || this == BUDGET_PER_REQUEST;
  }

  /** The kind as the HTTP API spells it: {@code rate}, {@code budget_daily}, ... */
  public String wireName() {
    return wireName;
  }
}
