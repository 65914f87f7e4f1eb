package dev.quota.server.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.alert.Alert;
import dev.quota.alert.SampleAlerts;
import dev.quota.jdbc.Database;
import dev.quota.jdbc.JdbcAlertHistory;
import dev.quota.jdbc.JdbcAlertHistory.DeliveryState;
import dev.quota.jdbc.WebhookRef;
import dev.quota.server.config.ServerConfig;
import dev.quota.store.conformance.MutableClock;
import java.io.IOException;
import java.nio.file.Path;
import dev.quota.server.Polling;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link WebhookSender#pendingDeliveries} (the {@code quota_alert_deliveries_pending} gauge) counts
 * the sends a sender will still make, and none a stopped sender left to the next holder: a send
 * handed to it once its webhook's queue had stopped (an alert handed over as the server stops) used
 * to stay counted for good, and so did a send its stop cut short or dropped from the queue. The
 * history is in H2; the receiver is real, and answers as the subject's name says: "hang" is held
 * until the test ends, "refuse" is answered 500, anything else 204.
 */
class PendingDeliveriesCountTest {
  private static final Instant T0 = Instant.parse("2025-03-10T12:00:00Z");
  private static final Backoff FAST = new Backoff(3, Duration.ofMillis(5), Duration.ofMillis(20));
  /** A retry that waits out its backoff for the rest of the test. */
  private static final Backoff PATIENT = new Backoff(3, Duration.ofHours(1), Duration.ofHours(1));

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(T0);
  private Database db;
  private JdbcAlertHistory history;
  private WebhookReceiver receiver;
  private List<ServerConfig.Webhook> hooks;
  private final HeldSends hung = new HeldSends();

  @BeforeEach
  void start() throws IOException {
    receiver = WebhookReceiver.start(this::answer);
    String url = receiver.url();
    hooks = List.of(new ServerConfig.Webhook(url, "s3cret"));
    db = Database.embedded(dir);
    history = new JdbcAlertHistory(db, List.of(WebhookRef.of(url)), clock);
  }

  @AfterEach
  void stop() {
    hung.release();
    receiver.close();
    db.close();
  }

  private int answer(WebhookReceiver.Send send) {
    String body = send.text();
    if (body.contains("user:hang")) {
      hung.hold();
    }
    return body.contains("user:refuse") ? 500 : 204;
  }

  private Alert stored(String user) {
    Alert a = SampleAlerts.halfSpent("alert-" + user, clock.instant(), user);
    history.append(a);
    return a;
  }

  @Test
  void aSendHandedOverOnceTheSenderHasStoppedIsNotCounted() {
    WebhookSender sender = new WebhookSender(hooks, history, clock, FAST);
    Alert late = stored("late");
    sender.close();

    sender.onAlert(late); // the engine hands it over as the server stops
    assertThat(sender.pendingDeliveries()).isZero();
    assertThat(receiver.sends()).isEqualTo(0);
    // Left, released, to the next server.
    assertThat(history.delivery(late.id()).orElseThrow().state()).isEqualTo(DeliveryState.PENDING);
    assertThat(new JdbcAlertHistory(db, clock).claimAbandoned(clock.instant(), clock.instant().plusSeconds(60), 10))
        .extracting(c -> c.alert().id()).containsExactly(late.id());
  }

  @Test
  void aSendTheStopCutsShortIsNotCountedOnceTheSenderHasStopped() throws Exception {
    WebhookSender sender = new WebhookSender(hooks, history, clock, FAST);
    sender.onAlert(stored("hang"));
    assertThat(hung.awaitHeld(10, TimeUnit.SECONDS)).isTrue();
    assertThat(sender.pendingDeliveries()).isEqualTo(1);

    sender.close();
    assertThat(sender.pendingDeliveries()).isZero();
  }

  @Test
  void aRetryWaitingWhenTheSenderStopsIsNotCountedOnceItHasStopped() throws Exception {
    WebhookSender sender = new WebhookSender(hooks, history, clock, PATIENT);
    Alert refused = stored("refuse");
    sender.onAlert(refused);
    Polling.awaitUntil(Duration.ofSeconds(10), () -> history.delivery(refused.id()).orElseThrow().webhooks().get(0).attempts() == 1);
    assertThat(sender.pendingDeliveries()).isEqualTo(1);

    sender.close();
    assertThat(sender.pendingDeliveries()).isZero();
    assertThat(receiver.sends()).isEqualTo(1);
  }

  @Test
  void sendsSettledBeforeTheStopAreCountedOutAsBefore() throws Exception {
    WebhookSender sender = new WebhookSender(hooks, history, clock, FAST);
    Alert a = stored("ann");
    sender.onAlert(a);
    Polling.awaitUntil(Duration.ofSeconds(10), () -> history.delivery(a.id()).orElseThrow().state() == DeliveryState.DELIVERED);
    Polling.awaitUntil(Duration.ofSeconds(10), () -> sender.pendingDeliveries() == 0);
    sender.close();
    assertThat(sender.pendingDeliveries()).isZero();
  }

}
