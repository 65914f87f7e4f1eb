package dev.quota.server.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.quota.alert.Alert;
import dev.quota.alert.SampleAlerts;
import dev.quota.jdbc.Database;
import dev.quota.jdbc.JdbcAlertHistory;
import dev.quota.jdbc.WebhookRef;
import dev.quota.server.config.ServerConfig;
import dev.quota.store.conformance.MutableClock;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Once {@link WebhookSender#close} returns, the sender does nothing more: the server closes the
 * database right after it. A renewal and takeover of claims under way when close began used to go
 * on after it returned, on a database the server was closing, and could take over alerts after the
 * sender had released its claims (so they sat claimed by a stopped server until the lease ran
 * out); so could an alert handed over, or a takeover asked for, after close. The history is in H2;
 * the receiver is real and takes everything.
 */
class SenderCloseTest {
  private static final Instant T0 = Instant.parse("2025-03-10T12:00:00Z");
  private static final Backoff FAST = new Backoff(3, Duration.ofMillis(5), Duration.ofMillis(20));

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(T0);
  private Database db;
  private String url;
  private WebhookReceiver receiver;

  @BeforeEach
  void start() throws IOException {
    receiver = WebhookReceiver.start(WebhookReceiver.TAKES_EVERYTHING);
    url = receiver.url();
    db = Database.embedded(dir);
  }

  @AfterEach
  void stop() {
    receiver.close();
    db.close();
  }

  /** An alert another server stored and released when it stopped: the next sender to look takes it over. */
  private Alert abandoned(String user) {
    Alert a = SampleAlerts.halfSpent("alert-" + user, clock.instant(), user);
    JdbcAlertHistory stopped = new JdbcAlertHistory(db, List.of(WebhookRef.of(url)), clock);
    stopped.append(a);
    stopped.releaseClaims();
    return a;
  }

  /** What a server started now would take over at once. */
  private List<String> takenOverByTheNextServer() {
    return new JdbcAlertHistory(db, clock).claimAbandoned(clock.instant(), clock.instant().plusSeconds(60), 10)
        .stream().map(c -> c.alert().id()).toList();
  }

  @Test
  void aClaimsRunUnderWayWhenCloseBeginsHasEndedWhenCloseReturns() throws Exception {
    Alert left = abandoned("left");
    HeldClock held = new HeldClock(clock);
    // The sender's own pool, closed after the sender as the server closes its backends.
    Database senderDb = Database.embedded(dir);
    WebhookSender sender = new WebhookSender(List.of(new ServerConfig.Webhook(url, "s3cret")),
        new JdbcAlertHistory(senderDb, List.of(WebhookRef.of(url)), clock), held, FAST);
    Logger senderLog = (Logger) LoggerFactory.getLogger(WebhookSender.class);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    senderLog.addAppender(logged);
    try {
      sender.start();
      assertThat(held.entered.await(10, TimeUnit.SECONDS)).as("the claims run asked the time").isTrue();

      Thread closer = new Thread(() -> {
        sender.close();
        senderDb.close();
      }, "closer");
      closer.start();
      // The run goes on once close has returned, or once close waits (for the run, as it must).
      awaitReturnedOrWaiting(closer);
      held.release.countDown();
      closer.join(TimeUnit.SECONDS.toMillis(30));
      assertThat(closer.isAlive()).isFalse();
      held.claimsThread.join(TimeUnit.SECONDS.toMillis(10)); // whatever the run does, it has done
    } finally {
      held.release.countDown();
      senderLog.detachAppender(logged);
    }

    assertThat(logged.list).extracting(ILoggingEvent::getFormattedMessage)
        .as("the claims run used the database after close returned").noneMatch(m -> m.contains("could not"));
    assertThat(takenOverByTheNextServer()).containsExactly(left.id());
    assertThat(receiver.sends()).isEqualTo(0);
  }

  @Test
  void aResumedAlertHandedOverAfterCloseIsLeftForTheNextServer() {
    Alert resumed = abandoned("resumed");
    WebhookSender sender = new WebhookSender(List.of(new ServerConfig.Webhook(url, "s3cret")),
        new JdbcAlertHistory(db, List.of(WebhookRef.of(url)), clock), clock, FAST);
    sender.resuming(List.of(resumed));
    sender.close();

    sender.onAlert(resumed);
    assertThat(takenOverByTheNextServer()).containsExactly(resumed.id());
    assertThat(receiver.sends()).isEqualTo(0);
  }

  @Test
  void aTakeoverAskedForAfterCloseTakesNothing() {
    Alert left = abandoned("later");
    WebhookSender sender = new WebhookSender(List.of(new ServerConfig.Webhook(url, "s3cret")),
        new JdbcAlertHistory(db, List.of(WebhookRef.of(url)), clock), clock, FAST);
    sender.close();

    assertThat(sender.resumeAbandoned()).isZero();
    assertThat(takenOverByTheNextServer()).containsExactly(left.id());
  }

  private static void awaitReturnedOrWaiting(Thread t) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (t.getState() != Thread.State.TERMINATED && t.getState() != Thread.State.WAITING
        && t.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
  }

  /**
   * The test's clock, except that the sender's claims thread is held at its first reading until the
   * test lets it go, deaf to interrupts as a database call may be.
   */
  private static final class HeldClock extends Clock {
    private final Clock time;
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    volatile Thread claimsThread;

    HeldClock(Clock time) {
      this.time = time;
    }

    @Override
    public Instant instant() {
      if (claimsThread == null && Thread.currentThread().getName().equals("quota-webhook-claims")) {
        claimsThread = Thread.currentThread();
        entered.countDown();
        awaitRelease();
      }
      return time.instant();
    }

    private void awaitRelease() {
      while (true) {
        try {
          release.await();
          return;
        } catch (InterruptedException ignored) {
          // held regardless, and the interrupt swallowed, as a JDBC driver would
        }
      }
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }
  }
}
