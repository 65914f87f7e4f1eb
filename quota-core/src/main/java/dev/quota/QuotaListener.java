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

  /** A budget crossed an alert threshold: called as the alert fires, before it is stored. */
  default void onAlert(Alert alert) {}

  /**
   * An alert was dropped: the alert queue was full (the oldest waiting alert gives way), the alert
   * history rejected it as invalid, the engine closed before it could be stored, or a handler threw
   * (the alert is stored; that handler missed it).
   */
  default void onAlertDropped(Alert alert, Throwable error) {}
}
