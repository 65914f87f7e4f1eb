package dev.quota.alert;

/**
 * Receives alerts, off the decision path: a slow or failing handler never delays or fails a
 * decision. Exceptions are caught and counted.
 */
@FunctionalInterface
public interface AlertHandler {
  void onAlert(Alert alert) throws Exception;
}
