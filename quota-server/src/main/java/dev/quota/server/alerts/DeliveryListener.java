package dev.quota.server.alerts;

/** Told what became of each send to a webhook, e.g. to count it in metrics; called on the webhook's threads. */
@FunctionalInterface
public interface DeliveryListener {
  DeliveryListener NONE = (webhook, outcome) -> {};

  /** What a send came to. */
  enum Outcome {
    /** The receiver took the alert (2xx). */
    DELIVERED,
    /** The send failed and will be tried again after the backoff. */
    RETRIED,
    /** The send failed and was the webhook's last attempt for the alert. */
    FAILED
  }

  /** {@code webhook} is the webhook's URL without user info or query, which may carry credentials. */
  void onSend(String webhook, Outcome outcome);
}
