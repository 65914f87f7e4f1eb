package dev.quota.server.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quota.server.TestServer;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Reading the asynchronous delivery of a subject's one alert through the API. */
final class AlertDeliveries {
  private AlertDeliveries() {}

  /**
   * Polls (for at most ten seconds) until the subject's one alert has a delivery state that
   * {@code settled} accepts, and returns the alert; the delivery runs on the server's own threads.
   */
  static JsonNode await(TestServer s, String subject, Predicate<String> settled) throws InterruptedException {
    return awaitAlert(s, subject, alert -> settled.test(alert.path("delivery").path("state").asText()));
  }

  /** {@link #await} until the whole alert, as the API shows it, is one that {@code reached} accepts. */
  static JsonNode awaitAlert(TestServer s, String subject, Predicate<JsonNode> reached) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    JsonNode alert = null;
    while (System.nanoTime() < deadline) {
      JsonNode alerts = s.admin.get("/v1/alerts?subject=" + subject).json().get("alerts");
      if (alerts.size() == 1) {
        alert = alerts.get(0);
        if (reached.test(alert)) {
          return alert;
        }
      }
      Thread.sleep(10); // between polls of another thread's work; no test waits for time to pass
    }
    throw new AssertionError("delivery of the alert for " + subject + " did not settle: " + alert);
  }

  /** {@link #await} until the state is {@code state}. */
  static JsonNode awaitState(TestServer s, String subject, String state) throws InterruptedException {
    return await(s, subject, state::equals);
  }
}
