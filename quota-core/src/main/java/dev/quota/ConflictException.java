package dev.quota;

/** The request contradicts state Quota already holds, e.g. an idempotency key reused with other content. */
public final class ConflictException extends QuotaException {
  private static final long serialVersionUID = 1L;

  public ConflictException(String message) {
    super(message);
  }
}
