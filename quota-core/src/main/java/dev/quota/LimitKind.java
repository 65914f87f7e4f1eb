package dev.quota;

/** The kinds of limit a decision reports on. */
public enum LimitKind {
  RATE,
  BUDGET_DAILY,
  BUDGET_MONTHLY,
  BUDGET_PER_REQUEST,
  CONCURRENCY;

  public boolean isMoney() {
    return this == BUDGET_DAILY || this == BUDGET_MONTHLY || this == BUDGET_PER_REQUEST;
  }

  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
