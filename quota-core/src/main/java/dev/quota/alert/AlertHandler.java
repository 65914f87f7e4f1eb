package dev.quota.alert;

/**
 * Receives alerts, off the decision path and after each is stored in the alert history: a slow or
 * failing handler never delays or fails a decision (it does delay the storing of later alerts).
 * Exceptions are caught and counted.
 */
@FunctionalInterface
public interface AlertHandler {
  void onAlert(Alert alert) throws Exception;
}
