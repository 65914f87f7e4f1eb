package dev.quota.alert;

import dev.quota.QuotaListener;
import dev.quota.ValidationException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Stores fired alerts in the alert history and then hands them to the handlers, on one background
 * thread, so that a decision never waits for, or fails because of, the database or a handler.
 *
 * <p>Alerts wait in a bounded queue in the order they were fired. The worker takes the oldest and
 * appends it to the history. If the history refuses it (the database is away, the alert table is
 * locked or missing), the alert stays in hand and is tried again after a backoff that doubles from
 * {@link #FIRST_RETRY} up to {@link #MAX_RETRY}; the alerts behind it wait, since they would fail
 * the same way. So an outage holds alerts back rather than losing them. A history should therefore
 * keep the first of two appends of one id (the database's does): an append whose answer was lost
 * is repeated. Only an alert the history rejects as invalid ({@link ValidationException}) is never
 * retried. Once stored, an alert goes to every handler, which may rely on finding it in the
 * history (a webhook sender records its delivery there).
 *
 * <p>Nothing is dropped silently. When {@link #CAPACITY} alerts are waiting, a new one pushes out
 * the oldest waiting; an alert the history rejects as invalid, alerts still waiting when the
 * dispatcher closes, and an alert a handler throws on are reported to
 * {@link QuotaListener#onAlertDropped}. A caller that can keep the alerts not yet stored (a server
 * writing them to disk to dispatch them again after a restart) stops the dispatcher with {@link
 * #stop} instead, which hands them back rather than reporting them.
 *
 * <p>An {@link AlertJournal} can keep what the dispatcher holds outside the process: each alert is
 * journaled before it is queued and forgotten once the dispatcher is done with it (stored, or
 * reported as dropped), so a process killed before storing its alerts leaves them for the next.
 */
public final class AlertDispatcher implements AutoCloseable {
  /** How many alerts may wait to be stored, besides the one being stored. */
  public static final int CAPACITY = 10_000;
  /** The wait after the first failed attempt to store an alert; it doubles with each further failure. */
  public static final Duration FIRST_RETRY = Duration.ofMillis(50);
  /** The longest wait between two attempts to store an alert. */
  public static final Duration MAX_RETRY = Duration.ofSeconds(5);

  private final AlertHistory history;
  private final AlertJournal journal;
  private final List<AlertHandler> handlers = new CopyOnWriteArrayList<>();
  private final QuotaListener listener;
  private final Thread worker;

  // Guarded by this: decisions add under the monitor only long enough to queue, never to store.
  private final Deque<Alert> waiting = new ArrayDeque<>();
  /** The alert the worker is storing or delivering; null once {@link #stop} took it back. */
  private Alert inHand;
  /** Alerts waiting plus the one in hand: what {@link #drain} waits for. */
  private int unfinished;
  /**
   * Alerts queued so far, and those done with since (stored and handed on, dropped, or handed back
   * by {@link #stop}). Alerts are done with in the order they were queued, so once {@code done}
   * reaches what {@code queued} was at some moment, every alert queued by then is done with: what
   * {@link #awaitQueuedSoFar} waits for, unlike a drain never held up by alerts queued after it.
   */
  private long queued;
  private long done;
  /** Set by {@link #drain}: the worker stops waiting out its backoff and tries again now. */
  private boolean retryNow;
  private boolean closed;

  public AlertDispatcher(AlertHistory history, QuotaListener listener) {
    this(history, listener, AlertJournal.NONE);
  }

  /** With {@code journal} told of every alert queued and every alert done with. */
  public AlertDispatcher(AlertHistory history, QuotaListener listener, AlertJournal journal) {
    this.history = history;
    this.journal = journal;
    this.listener = listener;
    this.worker = new Thread(this::run, "quota-alerts");
    worker.setDaemon(true);
    worker.start();
  }

  public void addHandler(AlertHandler handler) {
    handlers.add(handler);
  }

  /**
   * Journals and queues {@code alert} to be stored and delivered; never waits for the history. If
   * {@link #CAPACITY} alerts are already waiting, the oldest of them is dropped and reported to the
   * listener.
   */
  public void dispatch(Alert alert) {
    // Before it is queued, so the worker is never done with an alert the journal has not seen.
    journalFired(alert);
    Alert pushedOut = null;
    boolean refused = false;
    synchronized (this) {
      if (closed) {
        refused = true;
      } else {
        if (waiting.size() >= CAPACITY) {
          pushedOut = waiting.pollFirst();
          unfinished--;
          done++;
        }
        waiting.addLast(alert);
        unfinished++;
        queued++;
        notifyAll();
      }
    }
    if (refused) {
      journalDone(alert);
      listener.onAlertDropped(alert, new IllegalStateException("the alert dispatcher is closed"));
    }
    if (pushedOut != null) {
      journalDone(pushedOut);
      listener.onAlertDropped(
          pushedOut, new IllegalStateException("alert queue full: " + CAPACITY + " alerts were waiting to be stored"));
    }
  }

  /**
   * The alerts fired but not yet stored and handed to the handlers (the one in hand, then those
   * waiting), as they stand now.
   */
  public synchronized List<Alert> unfinished() {
    List<Alert> out = new ArrayList<>(waiting.size() + 1);
    if (inHand != null) {
      out.add(inHand);
    }
    out.addAll(waiting);
    return out;
  }

  /** Alerts fired but not yet stored and handed to the handlers. */
  public synchronized int pending() {
    return unfinished;
  }

  /**
   * Waits until every alert queued so far has been stored and handed to the handlers (tests,
   * shutdown); false if {@code timeout} ran out first, e.g. while the history cannot be reached. An
   * alert waiting out its backoff is tried again at once.
   */
  public boolean drain(long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    synchronized (this) {
      retryNow = true;
      notifyAll();
      while (unfinished > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
    }
    return true;
  }

  /**
   * Waits until every alert queued before this call has been stored and handed to the handlers, or
   * dropped; alerts queued meanwhile are not waited for, so a reader is never held up by a steady
   * stream of them. False if {@code timeout} ran out first, e.g. while the history cannot be
   * reached. Unlike {@link #drain}, an alert waiting out its backoff is left to it.
   */
  public boolean awaitQueuedSoFar(long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    synchronized (this) {
      long target = queued;
      while (done < target) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
    }
    return true;
  }

  private void run() {
    try {
      Alert alert;
      while ((alert = next()) != null) {
        boolean stored = store(alert);
        if (stillInHand(alert)) { // else stop() handed it back, and its caller keeps it journaled
          journalDone(alert); // stored, or rejected as invalid and reported
          if (stored) {
            deliver(alert);
          }
        }
        finished(alert);
      }
    } catch (InterruptedException stopping) {
      // stop() interrupts a worker that waits, and has taken back what it held
    } finally {
      // Otherwise only an error thrown by the history ends the worker: what it leaves is reported.
      reportDropped(stop());
    }
  }

  /** The oldest waiting alert, taken in hand; null once stopped. */
  private synchronized Alert next() throws InterruptedException {
    while (waiting.isEmpty() && !closed) {
      wait();
    }
    if (closed) {
      return null;
    }
    inHand = waiting.pollFirst();
    return inHand;
  }

  /**
   * False once {@link #stop} handed {@code alert} back: its caller will dispatch it again, and the
   * handlers get it then (an alert stored twice is kept once, but a handler would act twice).
   */
  private synchronized boolean stillInHand(Alert alert) {
    return inHand == alert;
  }

  /** Appends {@code alert} to the history, retrying until it is stored; false if it never can be. */
  private boolean store(Alert alert) throws InterruptedException {
    long backoffNanos = FIRST_RETRY.toNanos();
    while (true) {
      RuntimeException failure;
      try {
        history.append(alert);
        return true;
      } catch (ValidationException invalid) {
        if (stillInHand(alert)) { // else handed back by stop(), to be reported when dispatched again
          listener.onAlertDropped(alert, invalid);
        }
        return false;
      } catch (RuntimeException e) {
        failure = e;
      }
      if (!awaitRetry(backoffNanos)) {
        return false; // stopped: stop() handed the alert back
      }
      backoffNanos = Math.min(backoffNanos * 2, MAX_RETRY.toNanos());
    }
  }

  /** Waits out a backoff, or less if {@link #drain} asks for a retry now; false once closed. */
  private synchronized boolean awaitRetry(long nanos) throws InterruptedException {
    long deadline = System.nanoTime() + nanos;
    long left = nanos;
    while (!retryNow && !closed && left > 0) {
      TimeUnit.NANOSECONDS.timedWait(this, left);
      left = deadline - System.nanoTime();
    }
    retryNow = false;
    return !closed;
  }

  private void journalFired(Alert alert) {
    try {
      journal.fired(alert);
    } catch (RuntimeException e) {
      // Against the contract: the alert is still queued in memory, as it would be without a journal.
    }
  }

  private void journalDone(Alert alert) {
    try {
      journal.done(alert);
    } catch (RuntimeException e) {
      // Against the contract: at worst the journal resumes an alert already stored, which is kept once.
    }
  }

  private void deliver(Alert alert) {
    for (AlertHandler h : handlers) {
      try {
        h.onAlert(alert);
      } catch (Exception | LinkageError e) {
        listener.onAlertDropped(alert, e);
      }
    }
  }

  private synchronized void finished(Alert alert) {
    if (inHand == alert) { // else stop() took it back and already stopped counting it
      inHand = null;
      unfinished--;
      done++;
    }
    notifyAll();
  }

  /**
   * Stops the worker and hands back, oldest first, the alerts not yet stored: the one being stored
   * and those waiting. They are not reported to the listener; the caller keeps them, e.g. to
   * dispatch them again in a later process. Alerts dispatched after this are refused and reported.
   * Call {@link #drain} first to give the history time. An alert whose append is under way is handed
   * back too, and may also end up stored: dispatching it again is harmless, since the history keeps
   * the first of two appends of one id. The alerts handed back are not {@linkplain AlertJournal#done
   * done} in the journal, which keeps them. Returns nothing on a second call.
   */
  public List<Alert> stop() {
    List<Alert> unstored = new ArrayList<>();
    synchronized (this) {
      closed = true;
      if (inHand != null) {
        unstored.add(inHand);
        inHand = null;
      }
      unstored.addAll(waiting);
      waiting.clear();
      unfinished = 0; // handed back, so a drain waiting for them may return
      done = queued;
      notifyAll();
    }
    if (Thread.currentThread() != worker) {
      worker.interrupt();
    }
    return unstored;
  }

  private void reportDropped(List<Alert> unstored) {
    for (Alert a : unstored) {
      journalDone(a);
      listener.onAlertDropped(a, new IllegalStateException("the alert dispatcher closed before the alert could be stored"));
    }
  }

  /**
   * Stops the worker. Alerts not yet stored are dropped and reported to the listener; call
   * {@link #drain} first to give them time, or {@link #stop} to keep them.
   */
  @java.lang.Override
  public void close() {
    reportDropped(stop());
  }
}
