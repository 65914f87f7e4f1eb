package dev.quota;

/**
 * A commit arrived after its reservation expired and released itself. The hold is gone; a caller
 * whose call did run should report its cost with {@link Quota#record}.
 */
public final class ReservationExpiredException extends QuotaException {
  private static final long serialVersionUID = 1L;

  public ReservationExpiredException(String reservationId) {
    super("reservation " + reservationId + " expired before it was committed");
  }
}
