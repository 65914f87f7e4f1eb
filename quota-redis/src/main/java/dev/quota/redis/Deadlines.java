package dev.quota.redis;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A store's one timer thread: it fails the decisions that Redis did not answer in time, so that no
 * caller thread has to wait for that. A deadline is cancelled (and dropped from the timer's queue)
 * when its decision is answered first, so the thread wakes only for decisions that really time out.
 * What a deadline runs must be short and must not block: it holds up every later deadline.
 */
final class Deadlines implements AutoCloseable {
  private final ScheduledThreadPoolExecutor timer;

  Deadlines() {
    timer = new ScheduledThreadPoolExecutor(1, task -> {
      Thread t = new Thread(task, "quota-redis-deadlines");
      t.setDaemon(true);
      return t;
    });
    timer.setRemoveOnCancelPolicy(true);
  }

  /** Runs {@code task} after {@code nanos}, unless cancelled first. Throws RejectedExecutionException once closed. */
  ScheduledFuture<?> after(long nanos, Runnable task) {
    return timer.schedule(task, nanos, TimeUnit.NANOSECONDS);
  }

  /** Deadlines waiting (for tests). */
  int pending() {
    return timer.getQueue().size();
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
