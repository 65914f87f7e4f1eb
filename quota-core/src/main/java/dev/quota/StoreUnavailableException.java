package dev.quota;

/**
 * The counter store could not answer in time. From a decision (check, reserve, record) it means
 * a fail-closed policy applied, and {@link #failClosed()} is true; from anything else (a commit, a
 * release, a read of usage, a reset) no policy decides, and the store being down is the whole story.
 */
public final class StoreUnavailableException extends QuotaException {
  private static final long serialVersionUID = 1L;
  private final boolean failClosed;

  public StoreUnavailableException(String message, Throwable cause) {
    this(message, cause, false);
  }

  private StoreUnavailableException(String message, Throwable cause, boolean failClosed) {
    super(message, cause);
    this.failClosed = failClosed;
  }

  /** This failure as the refusal of a decision that a fail-closed policy would not let fail open. */
  StoreUnavailableException refusedFailClosed() {
    return failClosed ? this : new StoreUnavailableException(getMessage(), this, true);
  }

  /** True when a decision was refused because a fail-closed policy applied to it. */
  public boolean failClosed() {
    return failClosed;
  }
}
