package dev.quota.server.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.alert.Alert;
import dev.quota.alert.SampleAlerts;
import dev.quota.jdbc.Database;
import dev.quota.jdbc.JdbcAlertHistory;
import dev.quota.jdbc.JdbcAlertHistory.DeliveryState;
import dev.quota.jdbc.WebhookRef;
import dev.quota.server.Polling;
import dev.quota.server.config.ServerConfig;
import dev.quota.store.conformance.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each send to a webhook gets its send timeout for the whole answer, body included. The timeout
 * used to cover only the status line and headers: a receiver that answered them and then stalled
 * in its body held the send, and one of its webhook's two threads, for good, so its alerts stayed
 * pending for ever (and kept their claim, so no other server took them over). The status the
 * receiver gave in time stands: a 2xx took the alert, anything else is retried. The history is in
 * H2; the receivers are real sockets. The timeout is shortened to a fraction of a second.
 */
class WebhookSendDeadlineTest {
  private static final Instant T0 = Instant.parse("2025-03-10T12:00:00Z");
  private static final Duration SEND_TIMEOUT = Duration.ofMillis(300);
  private static final Backoff TWICE = new Backoff(2, Duration.ofMillis(5), Duration.ofMillis(5));
  /** Far longer than the sends this test waits for take, far shorter than a stall lasts. */
  private static final Duration GUARD = Duration.ofSeconds(20);

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(T0);
  private Database db;

  @BeforeEach
  void start() {
    db = Database.embedded(dir);
  }

  @AfterEach
  void stop() {
    db.close();
  }

  /** Sends one alert to {@code receiver}, then waits until its delivery is settled and returns it. */
  private JdbcAlertHistory.Delivery deliverOne(StalledAnswers receiver) throws Exception {
    JdbcAlertHistory history = new JdbcAlertHistory(db, List.of(WebhookRef.of(receiver.url())), clock);
    Alert a = SampleAlerts.halfSpent("alert-1", clock.instant(), "ann");
    history.append(a);
    WebhookSender sender = new WebhookSender(List.of(new ServerConfig.Webhook(receiver.url(), "s3cret")), history, clock,
        TWICE, DeliveryListener.NONE, SEND_TIMEOUT);
    try {
      sender.onAlert(a);
      Polling.awaitUntil(GUARD, () -> history.delivery(a.id()).orElseThrow().state() != DeliveryState.PENDING);
      Polling.awaitUntil(GUARD, () -> sender.pendingDeliveries() == 0);
      return history.delivery(a.id()).orElseThrow();
    } finally {
      sender.close();
    }
  }

  @Test
  void aReceiverThatTakesTheAlertAndStallsInItsBodyHasTakenIt() throws Exception {
    try (StalledAnswers receiver = StalledAnswers.withStatus(200)) {
      JdbcAlertHistory.Delivery d = deliverOne(receiver);

      assertThat(d.state()).isEqualTo(DeliveryState.DELIVERED);
      assertThat(receiver.sends()).isEqualTo(1);
      // The stalled answer is given up, not left open.
      Polling.awaitUntil(GUARD, () -> receiver.abandoned() == 1);
    }
  }

  @Test
  void aReceiverThatRefusesAndStallsInItsBodyIsRetriedThenGivenUp() throws Exception {
    try (StalledAnswers receiver = StalledAnswers.withStatus(503)) {
      JdbcAlertHistory.Delivery d = deliverOne(receiver);

      assertThat(d.state()).isEqualTo(DeliveryState.FAILED);
      assertThat(d.attempts()).isEqualTo(2);
      assertThat(d.lastError()).isEqualTo("attempt 2: " + receiver.url() + " answered 503");
      assertThat(receiver.sends()).isEqualTo(2);
      Polling.awaitUntil(GUARD, () -> receiver.abandoned() == 2);
    }
  }

  @Test
  void aReceiverThatNeverAnswersIsRetriedThenGivenUp() throws Exception {
    try (StalledAnswers receiver = StalledAnswers.silent()) {
      JdbcAlertHistory.Delivery d = deliverOne(receiver);

      assertThat(d.state()).isEqualTo(DeliveryState.FAILED);
      assertThat(d.attempts()).isEqualTo(2);
      assertThat(d.lastError()).isEqualTo("attempt 2: " + receiver.url() + ": no answer within PT0.3S");
      assertThat(receiver.sends()).isEqualTo(2);
    }
  }
}
