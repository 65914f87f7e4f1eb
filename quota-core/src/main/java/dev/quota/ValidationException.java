package dev.quota;

/**
 * Bad input: names the field and the rule it broke. Thrown before anything changes, so a caller that
 * catches it knows no counter, policy or ledger row was touched.
 */
public final class ValidationException extends QuotaException {
  private static final long serialVersionUID = 1L;
  private final String field;
  private final String rule;

  public ValidationException(String field, String rule) {
    super(field + ": " + rule);
    this.field = field;
    this.rule = rule;
  }

  public String field() {
    return field;
  }

  public String rule() {
    return rule;
  }

  /** Throws a {@code ValidationException} for {@code field} unless {@code condition} holds. */
  public static void require(boolean condition, String field, String rule) {
    if (!condition) {
      throw new ValidationException(field, rule);
    }
  }
}
