package dev.quota.server.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.quota.alert.SampleAlerts;
import dev.quota.jdbc.Database;
import dev.quota.jdbc.JdbcAlertHistory;
import dev.quota.jdbc.JdbcAlertHistory.Delivery;
import dev.quota.jdbc.JdbcAlertHistory.DeliveryState;
import dev.quota.jdbc.JdbcAlertHistory.WebhookDelivery;
import dev.quota.jdbc.WebhookRef;
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

/**
 * A sender that takes over an alert sends it only to the webhooks it is configured with, and settles
 * the alert over every webhook the alert went to: a webhook removed from the configuration while it
 * was still pending is dropped (failed, saying why), and one that took the alert or gave up before
 * counts as it did. Such a row used to stay pending for good under an alert settled as delivered.
 * The history is in H2; the one configured webhook is a real receiver that takes everything.
 */
class DroppedWebhookTest {
  private static final Instant T0 = Instant.parse("2025-03-10T12:00:00Z");
  private static final Backoff FAST = new Backoff(3, Duration.ofMillis(5), Duration.ofMillis(20));
  /** Removed from the configuration; nothing listens there. */
  private static final WebhookRef REMOVED = WebhookRef.of("http://127.0.0.1:9/removed?token=s3cret");

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(T0);
  private Database db;
  private WebhookRef kept;
  private WebhookReceiver receiver;
  private WebhookSender sender;

  @BeforeEach
  void start() throws IOException {
    receiver = WebhookReceiver.start(WebhookReceiver.TAKES_EVERYTHING);
    String url = receiver.url();
    kept = WebhookRef.of(url);
    db = Database.embedded(dir);
    sender = new WebhookSender(List.of(new ServerConfig.Webhook(url, "s3cret")),
        new JdbcAlertHistory(db, List.of(kept), clock), clock, FAST);
  }

  @AfterEach
  void stop() {
    sender.close();
    receiver.close();
    db.close();
  }

  /**
   * An alert a stopped server stored for both webhooks (and released), returned with that server's
   * history, which records what happened to it before the stop.
   */
  private JdbcAlertHistory storedForBoth(String id) {
    JdbcAlertHistory stopped = new JdbcAlertHistory(db, List.of(kept, REMOVED), clock);
    stopped.append(SampleAlerts.halfSpent(id, clock.instant(), "ann"));
    return stopped;
  }

  @Test
  void aRemovedWebhookStillPendingIsDroppedAndTheAlertSettledWithoutSendingIt() throws Exception {
    JdbcAlertHistory stopped = storedForBoth("a1");
    stopped.markWebhookDelivered("a1", kept, T0);
    stopped.markWebhookFailed("a1", REMOVED, "attempt 1: refused", false);
    stopped.releaseClaims();

    assertThat(sender.resumeAbandoned()).isEqualTo(1);
    Delivery d = awaitSettled("a1");
    assertThat(d.state()).isEqualTo(DeliveryState.PARTIAL);
    assertThat(d.lastError()).isEqualTo("http://127.0.0.1:9/removed is no longer configured; not sent");
    assertThat(d.webhooks()).containsExactlyInAnyOrder(
        new WebhookDelivery(kept, DeliveryState.DELIVERED, 1, null, T0),
        new WebhookDelivery(REMOVED, DeliveryState.FAILED, 1, "http://127.0.0.1:9/removed is no longer configured; not sent", null));
    assertThat(receiver.sends()).isEqualTo(0);
    assertThat(sender.resumeAbandoned()).as("nothing left pending to take over").isZero();
  }

  @Test
  void aRemovedWebhookThatGaveUpBeforeCountsInTheSummaryOnceTheOthersAreDone() throws Exception {
    JdbcAlertHistory stopped = storedForBoth("a2");
    stopped.markWebhookFailed("a2", REMOVED, "attempt 3: refused", true);
    stopped.releaseClaims();

    assertThat(sender.resumeAbandoned()).isEqualTo(1);
    Delivery d = awaitSettled("a2");
    assertThat(d.state()).isEqualTo(DeliveryState.PARTIAL);
    assertThat(d.lastError()).isEqualTo("attempt 3: refused");
    assertThat(d.webhooks()).extracting(WebhookDelivery::webhook, WebhookDelivery::state).containsExactlyInAnyOrder(
        tuple(kept, DeliveryState.DELIVERED),
        tuple(REMOVED, DeliveryState.FAILED));
    assertThat(receiver.sends()).isEqualTo(1);
  }

  /** Polls the sender's work, for at most ten seconds, until the alert is no longer pending. */
  private Delivery awaitSettled(String id) throws InterruptedException {
    JdbcAlertHistory history = new JdbcAlertHistory(db, clock);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    Delivery d = history.delivery(id).orElseThrow();
    while (d.state() == DeliveryState.PENDING && System.nanoTime() < deadline) {
      Thread.sleep(10); // between polls of the sender's work; no test waits for time to pass
      d = history.delivery(id).orElseThrow();
    }
    return d;
  }
}
