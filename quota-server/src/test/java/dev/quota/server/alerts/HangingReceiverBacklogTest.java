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
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A webhook whose receiver hangs holds a bounded number of alerts in memory, however many keep
 * firing: it used to queue one send for every alert, so a hanging receiver let the queue, and the
 * pending count, grow without bound. The rest wait in the history, pending and claimed by the
 * sender, and once the receiver answers again every alert reaches it exactly once, while another
 * webhook took each at once. The history is in H2; the receivers are real.
 */
class HangingReceiverBacklogTest {
  private static final Instant T0 = Instant.parse("2025-03-10T12:00:00Z");
  private static final Backoff TWICE = new Backoff(2, Duration.ofMillis(5), Duration.ofMillis(5));
  /** Longer than the receiver is held, so no held send times out and is retried. */
  private static final Duration SEND_TIMEOUT = Duration.ofSeconds(50);
  private static final int BOUND = 20;
  private static final int ALERTS = 300;
  private static final Duration GUARD = Duration.ofSeconds(40);

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(T0);
  private final HeldSends hanging = new HeldSends(WebhookLane.CONCURRENCY);
  private Database db;
  private WebhookReceiver hangs;
  private WebhookReceiver takes;

  @BeforeEach
  void start() throws IOException {
    db = Database.embedded(dir);
    hangs = WebhookReceiver.start(send -> {
      hanging.hold();
      return 204;
    });
    takes = WebhookReceiver.start(WebhookReceiver.TAKES_EVERYTHING);
  }

  @AfterEach
  void stop() {
    hanging.release();
    hangs.close();
    takes.close();
    db.close();
  }

  @Test
  void aHangingReceiverHoldsBoundedSendsAndLaterGetsEveryAlertOnce() throws Exception {
    JdbcAlertHistory history = new JdbcAlertHistory(db,
        List.of(WebhookRef.of(hangs.url()), WebhookRef.of(takes.url())), clock);
    WebhookSender sender = new WebhookSender(
        List.of(new ServerConfig.Webhook(hangs.url(), "s3cret"), new ServerConfig.Webhook(takes.url(), "s3cret")),
        history, clock, TWICE, DeliveryListener.NONE, SEND_TIMEOUT, BOUND);
    List<Alert> fired = new ArrayList<>();
    try {
      for (int i = 0; i < ALERTS; i++) {
        Alert a = SampleAlerts.numbered(i, clock.instant());
        history.append(a);
        sender.onAlert(a);
        fired.add(a);
        // Each webhook holds at most its bound in memory.
        assertThat(sender.pendingDeliveries()).isLessThanOrEqualTo(2 * BOUND);
      }
      assertThat(hanging.awaitHeld(20, TimeUnit.SECONDS)).isTrue();
      // The other webhook takes every alert, reading back what it left in the history, while this one hangs.
      Polling.awaitUntil(GUARD, () -> takes.sends() == ALERTS);
      // What remains in memory is the hanging webhook's bound, sends held and queued.
      Polling.awaitUntil(GUARD, () -> sender.pendingDeliveries() == BOUND);
      assertThat(hangs.sends()).isEqualTo(WebhookLane.CONCURRENCY);
      assertThat(history.delivery(fired.get(0).id()).orElseThrow().state()).isEqualTo(DeliveryState.PENDING);

      hanging.release();

      Polling.awaitUntil(GUARD, () -> fired.stream()
          .allMatch(a -> history.delivery(a.id()).orElseThrow().state() == DeliveryState.DELIVERED));
      Polling.awaitUntil(GUARD, () -> sender.pendingDeliveries() == 0);
      for (Alert a : fired) {
        assertThat(hangs.sends(a.id())).as("sends of %s to the webhook that hung", a.id()).isEqualTo(1);
        assertThat(takes.sends(a.id())).as("sends of %s to the other webhook", a.id()).isEqualTo(1);
      }
      assertThat(hangs.sends()).isEqualTo(ALERTS);
    } finally {
      sender.close();
    }
  }

  @Test
  void aBacklogLeftInTheHistoryIsTakenOverByTheNextServerAndSentOnce() throws Exception {
    List<WebhookRef> refs = List.of(WebhookRef.of(hangs.url()));
    List<ServerConfig.Webhook> hooks = List.of(new ServerConfig.Webhook(hangs.url(), "s3cret"));
    JdbcAlertHistory stoppedHistory = new JdbcAlertHistory(db, refs, clock);
    WebhookSender stopped = new WebhookSender(hooks, stoppedHistory, clock, TWICE, DeliveryListener.NONE, SEND_TIMEOUT, BOUND);
    List<Alert> fired = new ArrayList<>();
    for (int i = 0; i < ALERTS; i++) {
      Alert a = SampleAlerts.numbered(i, clock.instant());
      stoppedHistory.append(a);
      stopped.onAlert(a);
      fired.add(a);
    }
    assertThat(hanging.awaitHeld(20, TimeUnit.SECONDS)).isTrue();
    assertThat(stopped.pendingDeliveries()).isLessThanOrEqualTo(BOUND);
    // Cuts the two sends in flight short and releases every claim, those left in the history too.
    stopped.close();
    hanging.release();

    JdbcAlertHistory history = new JdbcAlertHistory(db, refs, clock);
    WebhookSender next = new WebhookSender(hooks, history, clock, TWICE, DeliveryListener.NONE, SEND_TIMEOUT, BOUND);
    try {
      next.start();
      Polling.awaitUntil(GUARD, () -> fired.stream()
          .allMatch(a -> history.delivery(a.id()).orElseThrow().state() == DeliveryState.DELIVERED));
      Polling.awaitUntil(GUARD, () -> next.pendingDeliveries() == 0);
      // The two sends cut short are made again, as any stop would; every other alert is sent once.
      assertThat(hangs.sends()).isEqualTo(ALERTS + WebhookLane.CONCURRENCY);
      for (Alert a : fired) {
        assertThat(hangs.sends(a.id())).as("sends of %s", a.id()).isBetween(1, 2);
      }
    } finally {
      next.close();
    }
  }

  @Test
  void alertsReadBackForAWebhookThatNeverAnswersEndPartialOnceItGivesUp() throws Exception {
    int alerts = 30;
    try (StalledAnswers silent = StalledAnswers.silent()) {
      JdbcAlertHistory history = new JdbcAlertHistory(db,
          List.of(WebhookRef.of(silent.url()), WebhookRef.of(takes.url())), clock);
      WebhookSender sender = new WebhookSender(
          List.of(new ServerConfig.Webhook(silent.url(), "s3cret"), new ServerConfig.Webhook(takes.url(), "s3cret")),
          history, clock, TWICE, DeliveryListener.NONE, Duration.ofMillis(200), 4);
      List<Alert> fired = new ArrayList<>();
      try {
        for (int i = 0; i < alerts; i++) {
          Alert a = SampleAlerts.numbered(i, clock.instant());
          history.append(a);
          sender.onAlert(a);
          fired.add(a);
          assertThat(sender.pendingDeliveries()).isLessThanOrEqualTo(2 * 4);
        }
        Polling.awaitUntil(GUARD, () -> fired.stream()
            .allMatch(a -> history.delivery(a.id()).orElseThrow().state() != DeliveryState.PENDING));
        for (Alert a : fired) {
          JdbcAlertHistory.Delivery d = history.delivery(a.id()).orElseThrow();
          assertThat(d.state()).as("alert %s", a.id()).isEqualTo(DeliveryState.PARTIAL);
          assertThat(d.lastError()).isEqualTo("attempt 2: " + silent.url() + ": no answer within PT0.2S");
          assertThat(takes.sends(a.id())).isEqualTo(1);
        }
      } finally {
        sender.close();
      }
    }
  }
}
