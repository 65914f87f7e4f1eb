package dev.quota;

/** The counter store could not answer in time, and a fail-closed policy was involved. */
public final class StoreUnavailableException extends QuotaException {
  private static final long serialVersionUID = 1L;

  public StoreUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
