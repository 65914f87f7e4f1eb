package dev.quota.server.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The shutdown hook of {@code quota serve}, installed before anything opens, and the hand-over
 * between it and the start.
 *
 * <p>A Ctrl-C or SIGTERM may come while the server is still starting: while the database opens and
 * migrates, say. Closing what is open then, under the step in progress, made that step fail with
 * stack traces and could leave a migration half done; so the hook only asks the start to stop
 * ({@link #requested}), and the start, between its steps, closes what it opened, in reverse, and
 * ends ({@link #startOver}). The hook waits for that, at most {@link #START_STEP_BOUND}: a step
 * that hangs on a backend that does not answer cannot hold the process forever. Once the server
 * runs ({@link #serving}), the hook closes it.
 */
final class ServeShutdown {
  /** How long the hook waits for a start in progress to finish its step and close what it opened. */
  static final Duration START_STEP_BOUND = Duration.ofSeconds(30);

  private final Object lock = new Object();
  private final CountDownLatch startOver = new CountDownLatch(1);
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final Thread hook = new Thread(this::onShutdown, "quota-shutdown");
  private boolean requested;
  private AutoCloseable server;

  private ServeShutdown() {}

  /** A hand-over whose hook is installed, so that a shutdown from now on is seen by the start. */
  static ServeShutdown install() {
    ServeShutdown shutdown = new ServeShutdown();
    Runtime.getRuntime().addShutdownHook(shutdown.hook);
    return shutdown;
  }

  /** True once the process began to stop: the start closes what it opened and ends. */
  boolean requested() {
    synchronized (lock) {
      return requested;
    }
  }

  /**
   * Hands the started {@code server} to the hook, which closes it when the process stops; false,
   * leaving it to the caller to close, if the process began to stop first.
   */
  boolean serving(AutoCloseable server) {
    synchronized (lock) {
      if (requested) {
        return false;
      }
      this.server = server;
      return true;
    }
  }

  /**
   * The start ended: it handed the server over, failed, or closed what it opened because of a stop.
   * Without a server to close, the hook goes, unless the process is stopping already: a command
   * run in a longer-lived JVM (a test's) leaves nothing behind.
   */
  void startOver() {
    startOver.countDown();
    synchronized (lock) {
      if (requested || server != null) {
        return;
      }
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException stopping) {
      // the process began to stop just now; the hook finds the start over and returns
    }
  }

  /** Waits until the hook closed the server handed over. */
  void awaitStopped() throws InterruptedException {
    stopped.await();
  }

  private void onShutdown() {
    AutoCloseable running;
    synchronized (lock) {
      requested = true;
      running = server;
    }
    try {
      if (running == null) {
        startOver.await(START_STEP_BOUND.toMillis(), TimeUnit.MILLISECONDS);
        return;
      }
      running.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      System.err.println("stopping: " + Failures.describe(e));
    } finally {
      stopped.countDown();
    }
  }
}
