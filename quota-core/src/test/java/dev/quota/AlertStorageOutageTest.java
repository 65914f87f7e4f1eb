package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.quota.alert.Alert;
import dev.quota.alert.AlertHistory;
import dev.quota.alert.AlertPosition;
import dev.quota.alert.MemoryAlertHistory;
import dev.quota.store.conformance.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Alerts are stored off the decision path. A decision that crossed a threshold used to store its
 * alert itself: with the alert history failing it answered an error although its counters were
 * charged (and a recorded usage never reached the ledger), and with the history slow it waited as
 * long. Now such a decision answers, charges and ledgers as any other, and the alert is stored,
 * once, when the history takes it.
 */
class AlertStorageOutageTest {
  private final MutableClock clock = Fixtures.clock();
  private Quota quota;

  @AfterEach
  void close() {
    if (quota != null) {
      quota.close();
    }
  }

  @Test
  void decisionsThatCrossThresholdsSucceedWhileTheHistoryFailsAndTheAlertsAreStoredOnceItRecovers()
      throws Exception {
    FailingHistory history = new FailingHistory();
    CountingListener listener = new CountingListener();
    quota = Quota.builder().clock(clock).alertHistory(history).listener(listener).build();
    putBudget("10");

    Decision recorded = quota.record(Fixtures.userCost("a", "8.50")); // 85%: crosses 80%
    assertThat(recorded.admitted()).isTrue();
    Decision reserved = quota.reserve(Fixtures.userCost("a", "0.50")); // 90% held
    assertThat(reserved.admitted()).isTrue();
    assertThat(reserved.reservationId()).isNotNull();
    Settled committed = quota.commit(reserved.reservationId(), Money.of("1.10"), Map.of()); // 96%
    assertThat(committed.committed()).isTrue();

    assertThat(quota.ledger().spent(Map.of("user", "a"), Instant.EPOCH, Instant.MAX)).isEqualTo(MoneyTotal.of("9.60"));
    assertThat(quota.usage(Subject.of("user", "a")).get(0).usedAmount()).isEqualByComparingTo("9.60");
    assertThat(history.refused.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(history.stored).isEmpty();
    assertThat(listener.fired).hasValue(3);

    history.recover();
    assertThat(quota.drainAlerts(Duration.ofSeconds(10))).isTrue();
    assertThat(history.stored)
        .extracting(a -> a.subject(), a -> a.threshold().toPlainString())
        .containsExactly(Tuple.tuple("user:a", "0.8"), Tuple.tuple("user:a", "0.9"), Tuple.tuple("user:a", "0.95"));
    assertThat(quota.alertHistory().query("user:a", null, null, null, 0, 10)).hasSize(3);
    assertThat(quota.pendingAlerts()).isZero();
    assertThat(listener.dropped).hasValue(0);
  }

  @Test
  void aHistoryThatHangsHoldsUpNoDecision() throws Exception {
    HangingHistory history = new HangingHistory();
    quota = Quota.builder().clock(clock).alertHistory(history).build();
    putBudget("10");
    try {
      Decision recorded = assertTimeoutPreemptively(
          Duration.ofSeconds(10), () -> quota.record(Fixtures.userCost("a", "8.50")));
      assertThat(recorded.admitted()).isTrue();
      assertThat(history.entered.await(10, TimeUnit.SECONDS)).isTrue();

      // The history now holds the first alert's append; every other kind of decision still answers.
      assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
        Decision reserved = quota.reserveAsync(Fixtures.userCost("b", "8.50")).toCompletableFuture().get();
        assertThat(reserved.reservationId()).isNotNull();
        assertThat(quota.commit(reserved.reservationId(), Money.of("9.00"), Map.of()).committed()).isTrue();
        assertThat(quota.prepare(Fixtures.userCost("c", "8.50")).tryAcquire()).isTrue();
      });
      assertThat(quota.ledger().spent(Map.of("user", "b"), Instant.EPOCH, Instant.MAX)).isEqualTo(MoneyTotal.of("9.00"));
      assertThat(quota.ledger().spent(Map.of("user", "c"), Instant.EPOCH, Instant.MAX)).isEqualTo(MoneyTotal.of("8.50"));
      assertThat(history.stored).isEmpty();
    } finally {
      history.release.countDown();
    }
    assertThat(quota.drainAlerts(Duration.ofSeconds(10))).isTrue();
    assertThat(history.stored)
        .extracting(a -> a.subject(), a -> a.threshold().toPlainString())
        .containsExactly(
            Tuple.tuple("user:a", "0.8"), Tuple.tuple("user:b", "0.8"), Tuple.tuple("user:b", "0.9"),
            Tuple.tuple("user:c", "0.8"));
  }

  @Test
  void aReadWaitsForTheAlertsFiredBeforeIt() throws Exception {
    HangingHistory history = new HangingHistory();
    quota = Quota.builder().clock(clock).alertHistory(history).build();
    putBudget("10");
    quota.record(Fixtures.userCost("a", "8.50")); // 85%: crosses 80%
    assertThat(history.entered.await(10, TimeUnit.SECONDS)).isTrue();

    java.util.concurrent.CompletableFuture<Boolean> read = new java.util.concurrent.CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try {
        read.complete(quota.awaitAlertsFiredSoFar(Duration.ofSeconds(30)));
      } catch (Throwable e) {
        read.completeExceptionally(e);
      }
    });
    reader.start();
    assertThat(Fixtures.eventually(() -> reader.getState() == Thread.State.TIMED_WAITING)).as("waiting").isTrue();
    assertThat(read).isNotDone();

    history.release.countDown();
    assertThat(read.get(10, TimeUnit.SECONDS)).isTrue();
    assertThat(history.stored).extracting(Alert::subject).containsExactly("user:a");
  }

  @Test
  void theAlertsOfAUsageAreListedByAReadRightAfterIt() {
    quota = Quota.builder().clock(clock).build();
    putBudget("10");
    for (int i = 0; i < 200; i++) {
      quota.record(Fixtures.userCost("u" + i, "8.50")); // 85%: crosses 80%
      assertThat(quota.admin().alerts("user:u" + i, null, null, null, 0, 10)).as("alerts of user:u%d", i).hasSize(1);
    }
  }

  private void putBudget(String daily) {
    quota.admin().putPolicy(
        Policy.builder("user:*").budget(Budget.of("USD", Money.of(daily), null, null)).build(), ADMIN, "t");
  }

  /** A history that refuses every append, as one whose database is away does, until it recovers. */
  private static final class FailingHistory implements AlertHistory {
    /** Every append that succeeded, repeats included. */
    final List<Alert> stored = new CopyOnWriteArrayList<>();
    final CountDownLatch refused = new CountDownLatch(1);
    private final MemoryAlertHistory kept = new MemoryAlertHistory();
    private volatile boolean away = true;

    void recover() {
      away = false;
    }

    @java.lang.Override
    public void append(Alert alert) {
      if (away) {
        refused.countDown();
        throw new IllegalStateException("the alert table is unavailable");
      }
      stored.add(alert);
      kept.append(alert);
    }

    @java.lang.Override
    public List<Alert> query(String subject, String policy, Instant from, Instant to, int offset, int limit) {
      return kept.query(subject, policy, from, to, offset, limit);
    }

    @java.lang.Override
    public List<Alert> queryAfter(String subject, String policy, Instant from, Instant to, AlertPosition after, int limit) {
      return kept.queryAfter(subject, policy, from, to, after, limit);
    }
  }

  /** A history whose appends wait until released, as with a locked alert table. */
  private static final class HangingHistory implements AlertHistory {
    final List<Alert> stored = new CopyOnWriteArrayList<>();
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    @java.lang.Override
    public void append(Alert alert) {
      entered.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while storing an alert", e);
      }
      stored.add(alert);
    }

    @java.lang.Override
    public List<Alert> query(String subject, String policy, Instant from, Instant to, int offset, int limit) {
      return List.copyOf(stored);
    }

    @java.lang.Override
    public List<Alert> queryAfter(String subject, String policy, Instant from, Instant to, AlertPosition after, int limit) {
      return List.copyOf(stored);
    }
  }

  private static final class CountingListener implements QuotaListener {
    final AtomicInteger fired = new AtomicInteger();
    final AtomicInteger dropped = new AtomicInteger();

    @java.lang.Override
    public void onAlert(Alert alert) {
      fired.incrementAndGet();
    }

    @java.lang.Override
    public void onAlertDropped(Alert alert, Throwable error) {
      dropped.incrementAndGet();
    }
  }
}
