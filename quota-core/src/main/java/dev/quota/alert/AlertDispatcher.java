package dev.quota.alert;

import dev.quota.QuotaListener;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Delivers alerts to handlers on one background thread, so decisions never wait for a handler.
 * The queue is bounded: if handlers fall that far behind, further alerts are dropped from delivery
 * (they are still in the history) and reported to the listener, rather than blocking a decision.
 */
public final class AlertDispatcher implements AutoCloseable {
  private static final int CAPACITY = 10_000;

  private final BlockingQueue<Alert> queue = new ArrayBlockingQueue<>(CAPACITY);
  private final List<AlertHandler> handlers = new CopyOnWriteArrayList<>();
  private final QuotaListener listener;
  private final Thread worker;
  private volatile boolean running = true;

  public AlertDispatcher(QuotaListener listener) {
    this.listener = listener;
    this.worker = new Thread(this::run, "quota-alerts");
    worker.setDaemon(true);
    worker.start();
  }

  public void addHandler(AlertHandler handler) {
    handlers.add(handler);
  }

  /** Queues {@code alert} for delivery; never blocks. */
  public void dispatch(Alert alert) {
    synchronized (this) {
      pending++;
    }
    if (!queue.offer(alert)) {
      done();
      listener.onAlertDropped(alert, new IllegalStateException("alert queue full"));
    }
  }

  /** Waits until every queued alert has been handed to the handlers, for tests and shutdown. */
  public boolean drain(long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    synchronized (this) {
      while (pending > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
    }
    return true;
  }

  private long pending;

  private synchronized void done() {
    pending--;
    notifyAll();
  }

  private void run() {
    while (running) {
      Alert alert;
      try {
        alert = queue.poll(100, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        return;
      }
      if (alert == null) {
        continue;
      }
      for (AlertHandler h : handlers) {
        try {
          h.onAlert(alert);
        } catch (Exception | LinkageError e) {
          listener.onAlertDropped(alert, e);
        }
      }
      done();
    }
  }

  @java.lang.Override
  public void close() {
    running = false;
    worker.interrupt();
  }
}
