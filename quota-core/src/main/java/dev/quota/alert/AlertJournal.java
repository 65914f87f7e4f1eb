package dev.quota.alert;

/**
 * Where an {@link AlertDispatcher} notes the alerts it holds, so that they outlive a process that
 * dies before storing them. A fired alert's budget counter has already marked its level fired, so
 * an alert held only in memory and lost with the process would never be alerted again in its
 * period. A server journals alerts in its data directory, and its next start hands the ones the
 * journal still holds to {@link dev.quota.Quota#resumeAlerts}.
 *
 * <p>The dispatcher calls {@link #fired} before it queues an alert, so it never reports an alert
 * {@link #done} that was not journaled first, and {@link #done} once it no longer holds the alert:
 * stored, or dropped (rejected by the history as invalid, pushed out of the full queue, refused by
 * a closed dispatcher or still unstored when it {@linkplain AlertDispatcher#close closes}; each
 * reported to {@link dev.quota.QuotaListener#onAlertDropped}). Alerts that {@link
 * AlertDispatcher#stop} hands back are never {@link #done}: the caller keeps them, and the journal
 * with them. So what a journal holds is bounded as the queue is, by {@link
 * AlertDispatcher#CAPACITY} plus the alert being stored.
 *
 * <p>Implementations must not throw: what they cannot write they report themselves, and the alert
 * is still queued in memory as if there were no journal.
 */
public interface AlertJournal {
  /** Journals nothing: alerts live only in memory until stored. */
  AlertJournal NONE = new AlertJournal() {
    @java.lang.Override
    public void fired(Alert alert) {}

    @java.lang.Override
    public void done(Alert alert) {}
  };

  /**
   * Notes {@code alert}, about to be queued. Called on the thread that fired it, a decision's (it
   * may be a store's I/O thread), so it must be quick: an append the operating system writes back
   * in its own time, never a wait for the disk. May be called again for an alert the journal
   * already holds (one that {@link dev.quota.Quota#resumeAlerts} queues again), which it keeps once.
   */
  void fired(Alert alert);

  /**
   * The dispatcher no longer holds {@code alert}, which the journal may forget. Called on the
   * dispatcher's thread, or on a decision's when a new alert pushes {@code alert} out of the full
   * queue.
   */
  void done(Alert alert);
}
