package dev.quota;

/**
 * The outcome of a commit or release.
 *
 * @param charged the cost now charged to every budget (zero on release)
 * @param held the estimate that was held
 * @param overrun how much the actual cost exceeded the estimate (zero if it did not)
 * @param repeated true if this settlement had already been applied and nothing changed now
 */
public record Settled(String reservationId, boolean committed, Money charged, Money held, Money overrun, boolean repeated) {}
