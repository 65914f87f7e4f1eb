package dev.quota.ledger;

/**
 * Where an engine notes the ledger rows whose budget charges it owes the store (usage that went
 * ahead while the store could not be reached), so that the debt outlives a process that dies
 * before the store is back. The rows are in the ledger already; what a dead process loses without
 * a journal is that counters which outlived the outage (a Redis that was unreachable, not lost)
 * never learn of them, and the subjects could spend that much again. A server journals them in
 * its data directory, and its next start hands the rows still there to {@link
 * dev.quota.Quota#resumeOwedCharges}.
 *
 * <p>The engine calls {@link #owed} before it queues a charge and {@link #settled} once it no
 * longer owes it: applied to the store, found counted already (a replay the store remembers, a
 * counter rebuilt from the ledger), or given up (its periods ended, an admin reset forgave it,
 * pushed out of the full queue, refused by the store for good). Charges still owed when the engine
 * closes are never settled: the journal keeps them for the next start.
 *
 * <p>Implementations must not throw: what they cannot write they report themselves, and the charge
 * is still owed in memory as if there were no journal.
 */
public interface OwedUsageJournal {
  /** Journals nothing: owed charges live only in memory. */
  OwedUsageJournal NONE = new OwedUsageJournal() {
    @java.lang.Override
    public void owed(UsageEntry row) {}

    @java.lang.Override
    public void settled(String rowId) {}
  };

  /**
   * Notes that the budget charges of {@code row}, which the ledger holds, are owed. Called on the
   * thread of the call that recorded the usage, so it must be quick: an append the operating
   * system writes back in its own time. May be called again for a row the journal holds (one that
   * {@link dev.quota.Quota#resumeOwedCharges} owes again), which it keeps once.
   */
  void owed(UsageEntry row);

  /** The engine no longer owes the charges of the row {@code rowId}; the journal may forget it. */
  void settled(String rowId);
}
