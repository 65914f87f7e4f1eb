package dev.quota;

/** The named reservation, policy or override does not exist (or no longer exists). */
public final class NotFoundException extends QuotaException {
  private static final long serialVersionUID = 1L;

  public NotFoundException(String message) {
    super(message);
  }
}
