package dev.quota;

/**
 * The request contradicts state Quota already holds, e.g. an idempotency key reused with other
 * content, or a name already taken. When one field of the request is what conflicts, the
 * exception names it and the rule, as a {@link ValidationException} does.
 */
public final class ConflictException extends QuotaException {
  private static final long serialVersionUID = 1L;
  private final String field;
  private final String rule;

  public ConflictException(String message) {
    super(message);
    this.field = null;
    this.rule = null;
  }

  /** A conflict caused by {@code field}, which broke {@code rule}; the message is {@code field: rule}. */
  public ConflictException(String field, String rule) {
    super(field + ": " + rule);
    this.field = field;
    this.rule = rule;
  }

  /** The conflicting field, or null when the conflict is not about one field. */
  public String field() {
    return field;
  }

  /** The rule {@link #field()} broke, or null. */
  public String rule() {
    return rule;
  }
}
