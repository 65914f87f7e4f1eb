package dev.quota;

/**
 * A commit or release arrived after its reservation expired and released itself. The hold is gone;
 * a caller whose call did run should report its cost with {@link Quota#record}.
 */
public final class ReservationExpiredException extends QuotaException {
  private static final long serialVersionUID = 1L;

  /** {@code commit}: whether a commit (else a release) came too late; the message says which. */
  public ReservationExpiredException(String reservationId, boolean commit) {
    super(commit
        ? "reservation " + reservationId + " expired before it was committed; its hold was returned when it expired"
        : "reservation " + reservationId + " expired before it was released; its hold was already returned");
  }
}
