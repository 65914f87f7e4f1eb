package dev.quota.server.api;

/** Told how each commit and release of a reservation came out, e.g. to count it in metrics; called on request threads. */
@FunctionalInterface
public interface SettlementListener {
  SettlementListener NONE = (operation, outcome) -> {};

  /** Which settlement a request asked for. */
  enum Operation {
    COMMIT,
    RELEASE
  }

  /** What a commit or release came to, as the engine answered it. */
  enum Outcome {
    /** Settled by this request (200). */
    SETTLED,
    /** Already settled the same way: nothing changed now (200, {@code repeated}). */
    REPEATED,
    /** The reservation is not known: never made, settled or expired long ago, or lost with the store's data (404). */
    UNKNOWN,
    /** The reservation expired before it was settled (410). */
    EXPIRED,
    /** The reservation was already settled differently (409). */
    CONFLICT,
    /** Not settled: the counter store or the ledger could not be reached, or the engine failed otherwise (503, 500). */
    FAILED
  }

  void onSettlement(Operation operation, Outcome outcome);
}
