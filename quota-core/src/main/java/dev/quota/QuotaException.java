package dev.quota;

/** Base of every error Quota reports. Each names what was wrong in terms a caller can act on. */
public class QuotaException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public QuotaException(String message) {
    super(message);
  }

  public QuotaException(String message, Throwable cause) {
    super(message, cause);
  }
}
