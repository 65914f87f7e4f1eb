package dev.quota.plan;

import java.util.Map;
import java.util.TreeMap;

/**
 * Settle a reservation: commit it with the actual cost and meters, or release it.
 *
 * @param actualCostNanos for a commit, replaces the held estimate in every budget
 * @param actualMeters for a commit, meters beyond the reserved amounts are charged as overrun
 */
public record Settlement(String reservationId, boolean commit, long actualCostNanos, Map<String, Long> actualMeters) {
  public Settlement {
    actualMeters = actualMeters == null ? Map.of() : Map.copyOf(actualMeters);
  }

  public static Settlement commit(String reservationId, long actualCostNanos, Map<String, Long> actualMeters) {
    return new Settlement(reservationId, true, actualCostNanos, actualMeters);
  }

  public static Settlement release(String reservationId) {
    return new Settlement(reservationId, false, 0, Map.of());
  }

  /** A canonical rendering, so a repeated settle can be told from a conflicting one. */
  public String fingerprint() {
    return (commit ? "commit|" + actualCostNanos + "|" + new TreeMap<>(actualMeters) : "release");
  }
}
