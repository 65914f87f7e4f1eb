package dev.quota.server.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.quota.alert.Alert;
import dev.quota.alert.SampleAlerts;
import dev.quota.jdbc.Database;
import dev.quota.jdbc.JdbcAlertHistory;
import dev.quota.jdbc.JdbcAlertHistory.DeliveryState;
import dev.quota.jdbc.WebhookRef;
import dev.quota.server.Polling;
import dev.quota.server.RefusingTrigger;
import dev.quota.server.config.ServerConfig;
import dev.quota.store.conformance.MutableClock;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A delivery whose outcome the database refused to record is recorded once the database takes
 * writes again, by the sender's next claims run. It used to be left: the alert stayed pending in
 * the history for as long as its server ran, claimed by that server (which renewed the claim every
 * minute and so kept every other server off it), though the receiver had taken it. The history is
 * in H2, whose writes to the delivery tables are refused while the send is under way; the receiver
 * is real and holds the send until then.
 */
class OutcomeRecordedAfterOutageTest {
  private static final Instant T0 = Instant.parse("2025-03-10T12:00:00Z");
  private static final Backoff FAST = new Backoff(3, Duration.ofMillis(5), Duration.ofMillis(20));

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(T0);
  private final HeldSends held = new HeldSends();
  private Database db;
  private WebhookReceiver receiver;

  @BeforeEach
  void start() throws IOException {
    receiver = WebhookReceiver.start(send -> {
      held.hold();
      return 204;
    });
    db = Database.embedded(dir);
  }

  @AfterEach
  void stop() {
    held.release();
    receiver.close();
    db.close();
  }

  @Test
  void aDeliveryTheDatabaseCouldNotRecordIsRecordedOnceItIsBack() throws Exception {
    JdbcAlertHistory history = new JdbcAlertHistory(db, List.of(WebhookRef.of(receiver.url())), clock);
    Alert a = SampleAlerts.halfSpent("alert-1", clock.instant(), "ann");
    history.append(a);
    WebhookSender sender = new WebhookSender(List.of(new ServerConfig.Webhook(receiver.url(), "s3cret")), history, clock, FAST);
    Logger senderLog = (Logger) LoggerFactory.getLogger(WebhookSender.class);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    senderLog.addAppender(logged);
    try {
      sender.onAlert(a);
      assertThat(held.awaitHeld(10, TimeUnit.SECONDS)).isTrue();
      try (RefusingTrigger.Fault rows = RefusingTrigger.onEmbedded(dir, "alert_webhook_delivery");
          RefusingTrigger.Fault alerts = RefusingTrigger.onEmbedded(dir, "alert")) {
        held.release();
        // Taken by the receiver; the sender tried to record that (the webhook's row, then the
        // alert's outcome) and could not.
        Polling.awaitUntil(Duration.ofSeconds(10), () -> refusedWrites(logged) >= 2);
      } finally {
        senderLog.detachAppender(logged);
      }
      // The send is let go of just after its outcomes were handed over, on the lane's thread.
      Polling.awaitUntil(Duration.ofSeconds(10), () -> sender.pendingDeliveries() == 0);
      assertThat(history.delivery(a.id()).orElseThrow().state()).isEqualTo(DeliveryState.PENDING);

      sender.maintainClaims(); // what the sender does every minute

      JdbcAlertHistory.Delivery d = history.delivery(a.id()).orElseThrow();
      assertThat(d.state()).isEqualTo(DeliveryState.DELIVERED);
      assertThat(d.webhooks()).singleElement().satisfies(w -> {
        assertThat(w.state()).isEqualTo(DeliveryState.DELIVERED);
        assertThat(w.attempts()).isEqualTo(1);
      });
      assertThat(receiver.sends()).isEqualTo(1);
    } finally {
      sender.close();
    }
  }

  private static long refusedWrites(ListAppender<ILoggingEvent> logged) {
    synchronized (logged) { // the appender appends under its own lock
      return logged.list.stream().filter(e -> e.getFormattedMessage().startsWith("could not record delivery")).count();
    }
  }
}
