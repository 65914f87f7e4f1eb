package dev.quota;

import dev.quota.store.conformance.MutableClock;
import java.time.Instant;

/** Shared set-up for engine tests: a quota on the in-memory store with a clock that only tests move. */
final class Fixtures {
  static final String ADMIN = "admin@test";

  private Fixtures() {}

  static MutableClock clock() {
    return new MutableClock(Instant.parse("2026-06-15T10:00:00Z"));
  }

  static Quota quota(MutableClock clock) {
    return Quota.builder().clock(clock).build();
  }

  static QuotaRequest user(String id) {
    return QuotaRequest.builder().user(id).build();
  }

  static QuotaRequest userCost(String id, String cost) {
    return QuotaRequest.builder().user(id).estimatedCost(cost).build();
  }

  /**
   * Whether {@code condition} holds within ten seconds, polled: for work handed to another thread,
   * never for time to pass (the clocks of these tests are moved by hand).
   */
  static boolean eventually(java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.onSpinWait();
    }
    return condition.getAsBoolean();
  }
}
