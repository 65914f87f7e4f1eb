package dev.quota.server.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.alert.SampleAlerts;
import dev.quota.jdbc.Database;
import dev.quota.jdbc.JdbcAlertHistory;
import dev.quota.jdbc.WebhookRef;
import dev.quota.server.Polling;
import dev.quota.server.config.ServerConfig;
import dev.quota.store.conformance.MutableClock;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server taking over alerts a stopped server left pending takes them all at once, however many:
 * it used to take one batch of {@link WebhookSender#RESUME_BATCH} at start and one a minute after
 * that, so a restart with a backlog of a few thousand alerts held most of them back for minutes
 * though the receiver took each at once. The history is in H2; the receiver is real.
 */
class BacklogTakenOverAtOnceTest {
  private static final Instant T0 = Instant.parse("2025-03-10T12:00:00Z");
  private static final Backoff FAST = new Backoff(3, Duration.ofMillis(5), Duration.ofMillis(20));
  private static final int BACKLOG = WebhookSender.RESUME_BATCH + 1;

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(T0);
  private Database db;
  private WebhookReceiver receiver;

  @BeforeEach
  void start() throws IOException {
    receiver = WebhookReceiver.start(WebhookReceiver.TAKES_EVERYTHING);
    db = Database.embedded(dir);
  }

  @AfterEach
  void stop() {
    receiver.close();
    db.close();
  }

  @Test
  void everyAlertAStoppedServerLeftPendingIsTakenOverAtOnce() throws Exception {
    List<WebhookRef> refs = List.of(WebhookRef.of(receiver.url()));
    JdbcAlertHistory stopped = new JdbcAlertHistory(db, refs, clock);
    for (int i = 0; i < BACKLOG; i++) {
      stopped.append(SampleAlerts.numbered(i, clock.instant()));
    }
    stopped.releaseClaims();

    WebhookSender sender = new WebhookSender(List.of(new ServerConfig.Webhook(receiver.url(), "s3cret")),
        new JdbcAlertHistory(db, refs, clock), clock, FAST);
    try {
      assertThat(sender.resumeAbandoned()).isEqualTo(BACKLOG);
      Polling.awaitUntil(Duration.ofSeconds(60), () -> receiver.takenById().size() == BACKLOG);
    } finally {
      sender.close();
    }
    assertThat(receiver.sends()).isEqualTo(BACKLOG);
  }
}
