package dev.quota.redis;

import dev.quota.StoreUnavailableException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Runs the decisions that {@code applyAsync} is asked for on Redis Cluster, whose protocol
 * ({@link ClusterProtocol}) takes several round trips in turn, on a few threads of the store's own,
 * so that the caller's thread never waits. A decision not started within the timeout (every thread
 * busy) fails with StoreUnavailableException and is never started; once started, each of its round
 * trips is bounded by the timeout, as in {@code apply}.
 */
final class ClusterRunner implements AutoCloseable {
  private final ThreadPoolExecutor threads;
  private final Deadlines deadlines;
  private final long timeoutNanos;

  ClusterRunner(int threadCount, Deadlines deadlines, long timeoutNanos) {
    this.threads = new ThreadPoolExecutor(threadCount, threadCount, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
        task -> {
          Thread t = new Thread(task, "quota-redis-cluster");
          t.setDaemon(true);
          return t;
        });
    threads.allowCoreThreadTimeOut(true);
    this.deadlines = deadlines;
    this.timeoutNanos = timeoutNanos;
  }

  <T> CompletableFuture<T> run(Supplier<T> decision) {
    Task<T> task = new Task<>(decision);
    try {
      task.deadline = deadlines.after(timeoutNanos, task::expire);
      threads.execute(task);
    } catch (RejectedExecutionException e) {
      task.abandon(new StoreUnavailableException("the store is closed", e));
    }
    return task;
  }

  private final class Task<T> extends CompletableFuture<T> implements Runnable {
    private final Supplier<T> decision;
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile ScheduledFuture<?> deadline;

    Task(Supplier<T> decision) {
      this.decision = decision;
    }

    @Override
    public void run() {
      if (!started.compareAndSet(false, true)) {
        return;
      }
      ScheduledFuture<?> d = deadline;
      if (d != null) {
        d.cancel(false);
      }
      if (isDone()) { // cancelled by its caller
        return;
      }
      try {
        complete(decision.get());
      } catch (RuntimeException e) {
        completeExceptionally(e);
      }
    }

    void expire() {
      abandon(new StoreUnavailableException("no thread of the store was free to apply the plan on the Redis Cluster within "
          + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms", null));
    }

    void abandon(StoreUnavailableException why) {
      if (started.compareAndSet(false, true)) {
        completeExceptionally(why);
      }
    }
  }

  /** Fails the decisions that have not started; those running fail as the connection closes. */
  @Override
  public void close() {
    for (Runnable never : threads.shutdownNow()) {
      ((Task<?>) never).abandon(new StoreUnavailableException("the store is closed", null));
    }
  }
}
