package dev.quota.alert;

import dev.quota.ValidationException;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

/**
 * An alert history whose database is away until it {@link #recover}s, and which rejects one alert
 * as invalid: what a dispatcher has to keep, retry or drop. It keeps the ids of the alerts it stored.
 */
final class OutageHistory implements AlertHistory {
  final List<String> stored = new CopyOnWriteArrayList<>();
  /** Counted down at the first append refused for the outage. */
  final CountDownLatch refused = new CountDownLatch(1);
  volatile boolean away = true;
  volatile String invalidId;
  private final Consumer<Alert> onAppend;

  OutageHistory() {
    this(alert -> {});
  }

  /** {@code onAppend} sees every alert handed to the history, before it is rejected, refused or stored. */
  OutageHistory(Consumer<Alert> onAppend) {
    this.onAppend = onAppend;
  }

  void recover() {
    away = false;
  }

  @Override
  public void append(Alert alert) {
    onAppend.accept(alert);
    if (alert.id().equals(invalidId)) {
      throw new ValidationException("alert.used", "must have at most 9 decimal places");
    }
    if (away) {
      refused.countDown();
      throw new IllegalStateException("the database cannot be reached");
    }
    stored.add(alert.id());
  }

  @Override
  public List<Alert> query(String subject, String policy, Instant from, Instant to, int offset, int limit) {
    throw new UnsupportedOperationException();
  }

  @Override
  public List<Alert> queryAfter(String subject, String policy, Instant from, Instant to, AlertPosition after, int limit) {
    throw new UnsupportedOperationException();
  }
}
