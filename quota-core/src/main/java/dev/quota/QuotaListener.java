package dev.quota;

import dev.quota.alert.Alert;

/**
 * Hooks for metrics. Called on the decision path, so implementations must be cheap and must not
 * throw (counters and timers, not I/O).
 */
public interface QuotaListener {
  QuotaListener NONE = new QuotaListener() {};

  /** A decision was made; {@code operation} is check, reserve or record. */
  default void onDecision(String operation, boolean admitted, long nanos) {}

  /** The store was unreachable and fail-open policies admitted a request anyway. */
  default void onFailOpen() {}

  default void onStoreError(Throwable error) {}

  default void onAlert(Alert alert) {}

  /** An alert handler threw or the alert queue was full. */
  default void onAlertDropped(Alert alert, Throwable error) {}
}
