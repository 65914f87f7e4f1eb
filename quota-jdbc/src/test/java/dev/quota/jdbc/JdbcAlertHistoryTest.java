package dev.quota.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.ValidationException;
import dev.quota.alert.Alert;
import dev.quota.jdbc.JdbcAlertHistory.Claimed;
import dev.quota.jdbc.JdbcAlertHistory.Delivery;
import dev.quota.jdbc.JdbcAlertHistory.DeliveryState;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class JdbcAlertHistoryTest {
  static final Instant T0 = Instant.parse("2025-03-10T12:00:00Z");
  /** The servers' clock where a test's alerts are stored as they fire. */
  static final Clock AT_T0 = Clock.fixed(T0, ZoneOffset.UTC);
  static final List<WebhookRef> HOOKS = List.of(WebhookRef.of("https://ops.example/hook"));
  @TempDir Path dir;

  static Alert alert(String id, int minute, String subject, String threshold) {
    return new Alert(
        id, T0.plusSeconds(60L * minute), "user:*", subject, "daily", Instant.parse("2025-03-10T00:00:00Z"),
        new BigDecimal(threshold), new BigDecimal("8.5"), new BigDecimal("10"), "USD");
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void storesQueriesAndTracksDelivery(Backend backend) {
    try (var t = backend.open(dir)) {
      var history = new JdbcAlertHistory(t.db, AT_T0);
      Alert a1 = alert("a1", 0, "user:alice", "0.8");
      Alert a2 = alert("a2", 1, "user:bob", "0.8");
      Alert a3 = alert("a3", 2, "user:alice", "1");
      history.append(a1);
      history.append(a2);
      history.append(a3);
      history.append(alert("a1", 9, "user:zed", "0.9"));

      assertThat(history.query(null, null, null, null, 0, 10)).containsExactly(a3, a2, a1);
      assertThat(history.query("user:alice", "user:*", null, null, 0, 10)).containsExactly(a3, a1);
      assertThat(history.query(null, null, T0.plusSeconds(60), T0.plusSeconds(120), 0, 10)).containsExactly(a2);
      assertThat(history.query(null, null, null, null, 1, 1)).containsExactly(a2);
      assertThat(history.query("user:alice", null, null, null, 0, 1).get(0).exhausted()).isTrue();

      assertThat(history.pending(10)).containsExactly(a1, a2, a3);
      assertThat(history.markFailed("a1", "HTTP 503", false)).isTrue();
      assertThat(history.markDelivered("a1", T0.plusSeconds(5))).isTrue();
      assertThat(history.markFailed("a2", "HTTP 500", true)).isTrue();
      assertThat(history.markDelivered("nope", T0)).isFalse();

      assertThat(history.delivery("a1")).contains(new Delivery(DeliveryState.DELIVERED, 2, null, T0.plusSeconds(5)));
      assertThat(history.delivery("a2")).contains(new Delivery(DeliveryState.FAILED, 1, "HTTP 500", null));
      assertThat(history.pending(10)).containsExactly(a3);
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void readsOneAlertByItsId(Backend backend) {
    try (var t = backend.open(dir)) {
      var history = new JdbcAlertHistory(t.db, AT_T0);
      Alert a1 = alert("a1", 0, "user:alice", "0.8");
      Alert a2 = alert("a2", 1, "user:bob", "1");
      history.append(a1);
      history.append(a2);

      assertThat(history.alert("a2")).contains(a2);
      assertThat(history.alert("a1")).contains(a1);
      assertThat(history.alert("a3")).isEmpty();
      assertThat(history.alert("A1")).as("ids are matched exactly").isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void rejectsOverPreciseAmounts(Backend backend) {
    try (var t = backend.open(dir)) {
      var history = new JdbcAlertHistory(t.db, AT_T0);
      Alert bad = new Alert("x", T0, "user:*", "user:a", "daily", T0, new BigDecimal("0.8"),
          new BigDecimal("0.0000000001"), BigDecimal.TEN, "USD");
      assertThatThrownBy(() -> history.append(bad))
          .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("alert.used"));
      assertThat(history.query(null, null, null, null, 0, 10)).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aPendingAlertIsHeldByOneServerUntilItsClaimLapsesOrIsReleased(Backend backend) {
    try (var t = backend.open(dir)) {
      var mine = new JdbcAlertHistory(t.db, AT_T0);
      var other = new JdbcAlertHistory(t.db, AT_T0);
      Alert a1 = alert("a1", 0, "user:alice", "0.8");
      mine.append(a1);
      Duration lease = JdbcAlertHistory.CLAIM_LEASE;

      // Born claimed by the server that fired it, and kept while that server renews.
      assertThat(other.claimAbandoned(T0.plusSeconds(1), T0.plus(lease), 10)).isEmpty();
      assertThat(mine.renewClaims(T0.plus(lease).plus(lease))).isEqualTo(1);
      assertThat(other.claimAbandoned(T0.plus(lease).plusSeconds(1), T0.plus(lease.multipliedBy(3)), 10)).isEmpty();

      // Its server died: the claim lapses and exactly one other server takes it over.
      Instant later = T0.plus(lease.multipliedBy(2)).plusSeconds(1);
      assertThat(other.claimAbandoned(later, later.plus(lease), 10)).extracting(Claimed::alert).containsExactly(a1);
      assertThat(mine.claimAbandoned(later, later.plus(lease), 10)).isEmpty();
      assertThat(mine.renewClaims(later.plus(lease))).isZero();

      // A stopping server releases it for the next to take at once.
      assertThat(other.releaseClaims()).isEqualTo(1);
      assertThat(mine.claimAbandoned(later, later.plus(lease), 10)).extracting(Claimed::alert).containsExactly(a1);

      // Settled alerts are never claimed again.
      assertThat(mine.markDelivered("a1", later)).isTrue();
      assertThat(mine.releaseClaims()).isZero();
      assertThat(other.claimAbandoned(later.plus(Duration.ofDays(1)), later.plus(Duration.ofDays(2)), 10)).isEmpty();
    }
  }

  /**
   * An alert stored long after it fired (it waited out a database outage longer than the lease) is
   * claimed from when it is stored: it used to be stored with a claim that had lapsed already, so
   * another server took it over while the one storing it was sending it, and receivers got it twice.
   */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void aClaimRunsFromWhenItIsTakenHoweverLongAgoTheAlertFired(Backend backend) {
    try (var t = backend.open(dir)) {
      Duration lease = JdbcAlertHistory.CLAIM_LEASE;
      Instant stored = T0.plus(lease.multipliedBy(3));
      var mine = new JdbcAlertHistory(t.db, Clock.fixed(stored, ZoneOffset.UTC));
      var other = new JdbcAlertHistory(t.db, Clock.fixed(stored, ZoneOffset.UTC));
      Alert firedBeforeTheOutage = alert("a1", 0, "user:alice", "0.8");
      mine.append(firedBeforeTheOutage);

      assertThat(other.claimAbandoned(stored.plusSeconds(1), stored.plus(lease), 10)).isEmpty();
      assertThat(other.claimResumed("a1", stored.plusSeconds(1), stored.plus(lease))).isEmpty();
      assertThat(other.claimAbandoned(stored.plus(lease).minusSeconds(1), stored.plus(lease.multipliedBy(2)), 10)).isEmpty();
      // Not renewed, it lapses a lease after it was taken, and only then is it another server's to take.
      Instant lapsed = stored.plus(lease).plusSeconds(1);
      assertThat(other.claimAbandoned(lapsed, lapsed.plus(lease), 10)).extracting(Claimed::alert)
          .containsExactly(firedBeforeTheOutage);
    }
  }

  /**
   * A history whose predecessor is known dead (the server before it on the same data directory,
   * killed) takes over that predecessor's claims at once, by takeover or resumption, rather than
   * when they lapse; a claim of any other server in force stays that server's.
   */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void thePredecessorsClaimsAreTakenOverAtOnceAndNoOneElses(Backend backend) {
    try (var t = backend.open(dir)) {
      Duration lease = JdbcAlertHistory.CLAIM_LEASE;
      var killed = new JdbcAlertHistory(t.db, HOOKS, AT_T0, new JdbcAlertHistory.Claimant("killed", null));
      var alive = new JdbcAlertHistory(t.db, HOOKS, AT_T0, new JdbcAlertHistory.Claimant("alive", null));
      killed.append(alert("a1", 0, "user:alice", "0.8"));
      killed.append(alert("a2", 0, "user:bob", "0.8"));
      alive.append(alert("a3", 0, "user:carl", "0.8"));
      Instant now = T0.plusSeconds(10);

      var restarted = new JdbcAlertHistory(t.db, HOOKS, AT_T0, new JdbcAlertHistory.Claimant("restarted", "killed"));
      var stranger = new JdbcAlertHistory(t.db, HOOKS, AT_T0, new JdbcAlertHistory.Claimant("stranger", null));
      assertThat(stranger.claimAbandoned(now, now.plus(lease), 10)).isEmpty();
      assertThat(restarted.claimResumed("a2", now, now.plus(lease))).map(c -> c.alert().id()).contains("a2");
      assertThat(restarted.claimAbandoned(now, now.plus(lease), 10)).extracting(c -> c.alert().id()).containsExactly("a1");
      assertThat(restarted.claimResumed("a3", now, now.plus(lease))).isEmpty();
      assertThat(restarted.renewClaims(now.plus(lease))).isEqualTo(2);
      assertThat(killed.renewClaims(now.plus(lease))).isZero();
      assertThat(alive.renewClaims(now.plus(lease))).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void anAlertSomeWebhooksTookIsPartialAndNoLongerPending(Backend backend) {
    try (var t = backend.open(dir)) {
      var history = new JdbcAlertHistory(t.db, AT_T0);
      history.append(alert("a1", 0, "user:alice", "0.8"));
      assertThat(history.markPartial("a1", "attempt 3: http://b answered 500")).isTrue();
      assertThat(history.delivery("a1"))
          .contains(new Delivery(DeliveryState.PARTIAL, 1, "attempt 3: http://b answered 500", null));
      assertThat(history.pending(10)).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void anAlertStoredBeforeClaimsExistedIsTakenOverAtOnce(Backend backend) {
    try (var t = backend.open(dir)) {
      var history = new JdbcAlertHistory(t.db, AT_T0);
      Alert a1 = alert("a1", 0, "user:alice", "0.8");
      history.append(a1);
      t.execute("UPDATE alert SET claimed_by = NULL, claimed_until = NULL");
      assertThat(new JdbcAlertHistory(t.db, AT_T0).claimAbandoned(T0, T0.plusSeconds(60), 10)).extracting(Claimed::alert).containsExactly(a1);
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void twoServersTakingOverAtOnceNeverBothWinAnAlert(Backend backend) throws Exception {
    try (var t = backend.open(dir)) {
      var stopped = new JdbcAlertHistory(t.db, AT_T0);
      int n = 200;
      for (int i = 0; i < n; i++) {
        stopped.append(alert("a" + i, 0, "user:u" + i, "0.8"));
      }
      stopped.releaseClaims();
      var a = new JdbcAlertHistory(t.db, AT_T0);
      var b = new JdbcAlertHistory(t.db, AT_T0);
      CountDownLatch go = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        Future<List<Claimed>> wonByA = pool.submit(() -> {
          go.await();
          return a.claimAbandoned(T0, T0.plusSeconds(60), n);
        });
        Future<List<Claimed>> wonByB = pool.submit(() -> {
          go.await();
          return b.claimAbandoned(T0, T0.plusSeconds(60), n);
        });
        go.countDown();
        Set<String> ids = new HashSet<>();
        wonByA.get(30, TimeUnit.SECONDS).forEach(x -> ids.add(x.alert().id()));
        int total = wonByA.get().size() + wonByB.get(30, TimeUnit.SECONDS).size();
        wonByB.get().forEach(x -> ids.add(x.alert().id()));
        assertThat(total).isEqualTo(n);
        assertThat(ids).hasSize(n);
      } finally {
        pool.shutdownNow();
      }
    }
  }
}
