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

  /**
   * A check or reserve was denied (as well as {@link #onDecision}); {@code binding} is the kind of
   * the limit that binds, the denying one with the latest retry time ({@link Decision#binding}).
   */
  default void onDenied(String operation, LimitKind binding) {}

  /**
   * A limit in shadow mode was past its amount in a check or reserve: it denied nothing, but would
   * have if enforced. Called once for each such limit of the decision.
   */
  default void onShadowDenied(String operation, LimitKind kind) {}

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

  /**
   * A charge owed to the budget counters (usage the ledger took while the store could not be
   * reached) was given up before the store took it: the owed charges were full (the oldest gives
   * way), the engine closed first, or the store refused it for good. The ledger keeps its row, and
   * a budget rebuilt from the ledger counts it; the counters that outlived the outage do not.
   */
  default void onOwedChargeDropped() {}

  /**
   * An admin change was stored, with its audit entry, but the reload that would apply it here
   * failed: the configuration in force stays until a later reload succeeds ({@link Change}).
   */
  default void onChangeNotApplied(RuntimeException error) {}
}
