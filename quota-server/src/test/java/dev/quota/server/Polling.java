package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for work another thread or process does, never for time itself to pass. */
public final class Polling {
  private Polling() {}

  /** Polls {@code done} until it holds, failing if it still does not after {@code guard}. */
  public static void awaitUntil(Duration guard, BooleanSupplier done) throws InterruptedException {
    long deadline = System.nanoTime() + guard.toNanos();
    while (!done.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(10); // between polls of another thread's work; no test waits for time to pass
    }
    assertThat(done.getAsBoolean()).isTrue();
  }
}
