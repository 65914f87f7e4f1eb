package dev.quota.server.alerts;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Sends a {@link WebhookReceiver} holds open until the test lets them go, as a receiver that
 * stopped answering does: for a minute at most, so that a test that fails still ends.
 */
final class HeldSends {
  private final CountDownLatch held;
  private final CountDownLatch release = new CountDownLatch(1);

  /** Waited for by {@link #awaitHeld} until the first send is held. */
  HeldSends() {
    this(1);
  }

  /** Waited for by {@link #awaitHeld} until {@code sends} sends are held. */
  HeldSends(int sends) {
    held = new CountDownLatch(sends);
  }

  /** On a send's thread: holds it until {@link #release}. */
  void hold() {
    held.countDown();
    try {
      release.await(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Whether the sends waited for are held, within {@code timeout}. */
  boolean awaitHeld(long timeout, TimeUnit unit) throws InterruptedException {
    return held.await(timeout, unit);
  }

  /** Lets every send held, and every later one, go on. */
  void release() {
    release.countDown();
  }
}
