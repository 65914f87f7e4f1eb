package dev.quota.jdbc;

import static dev.quota.jdbc.JdbcAlertHistoryTest.AT_T0;
import static dev.quota.jdbc.JdbcAlertHistoryTest.T0;
import static dev.quota.jdbc.JdbcAlertHistoryTest.alert;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.admin.AuditEntry;
import dev.quota.jdbc.JdbcAlertHistory.Claimant;
import dev.quota.jdbc.JdbcAlertHistory.DeliveryState;
import dev.quota.jdbc.JdbcAlertHistory.Redelivery;
import dev.quota.jdbc.JdbcAlertHistory.Refused;
import dev.quota.jdbc.JdbcAlertHistory.Started;
import dev.quota.jdbc.JdbcAlertHistory.WebhookDelivery;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link JdbcAlertHistory#redeliver}: a settled alert's failed rows of configured webhooks are made
 * pending afresh, the alert pending and claimed by the redelivering server, with its audit entry, in
 * one step that of two servers at once only one takes.
 */
class AlertRedeliveryHistoryTest {
  private static final WebhookRef TAKES = WebhookRef.of("https://ops.example/takes");
  private static final WebhookRef AWAY = WebhookRef.of("https://ops.example/away");
  private static final WebhookRef REMOVED = WebhookRef.of("https://ops.example/removed");
  private static final WebhookRef ADDED = WebhookRef.of("https://ops.example/added");
  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(Backend.class)
  void ofTwoServersRedeliveringAtOnceOneDoesAndNoneTakesItOver(Backend backend) throws Exception {
    try (var t = backend.open(dir)) {
      var a = new JdbcAlertHistory(t.db, List.of(TAKES, AWAY), AT_T0, new Claimant("a", null));
      var b = new JdbcAlertHistory(t.db, List.of(TAKES, AWAY), AT_T0, new Claimant("b", null));
      a.append(alert("p1", 0, "user:alice", "0.8"));
      a.markWebhookDelivered("p1", TAKES, T0);
      a.markWebhookFailed("p1", AWAY, "attempt 1: answered 503", false);
      a.markWebhookFailed("p1", AWAY, "attempt 2: answered 503", true);
      a.markPartial("p1", "attempt 2: answered 503");
      a.releaseClaims();
      Instant now = T0.plusSeconds(60);

      ExecutorService pool = Executors.newFixedThreadPool(2);
      List<Redelivery> done = new ArrayList<>();
      try {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Redelivery>> both = new ArrayList<>();
        for (JdbcAlertHistory h : List.of(a, b)) {
          both.add(pool.submit(() -> {
            go.await();
            return h.redeliver("p1", now, (before, failed) -> entry(before, failed));
          }));
        }
        go.countDown();
        for (Future<Redelivery> f : both) {
          done.add(f.get());
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(done).filteredOn(Started.class::isInstance).hasSize(1);
      assertThat(done).filteredOn(Refused.class::isInstance).containsExactly(new Refused(DeliveryState.PENDING));
      Started started = (Started) done.stream().filter(Started.class::isInstance).findFirst().orElseThrow();
      assertThat(started.resent()).containsExactly(AWAY);
      assertThat(started.delivery().state()).isEqualTo(DeliveryState.PENDING);
      assertThat(started.claimed().webhooks()).extracting(WebhookDelivery::webhook, WebhookDelivery::state, WebhookDelivery::attempts)
          .containsExactlyInAnyOrder(
              org.assertj.core.groups.Tuple.tuple(TAKES, DeliveryState.DELIVERED, 1),
              org.assertj.core.groups.Tuple.tuple(AWAY, DeliveryState.PENDING, 0));
      // Claimed by the one that redelivered it: the other server does not take it over.
      var c = new JdbcAlertHistory(t.db, List.of(TAKES, AWAY), AT_T0, new Claimant("c", null));
      assertThat(c.claimAbandoned(now, now.plus(JdbcAlertHistory.CLAIM_LEASE), 10)).isEmpty();
      assertThat(auditEntries(t.db)).containsExactly("alert.redeliver p1 partial 2");
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void refusesAndChangesNothingWhenThereIsNothingToRedeliver(Backend backend) throws Exception {
    try (var t = backend.open(dir)) {
      var old = new JdbcAlertHistory(t.db, List.of(TAKES, REMOVED), AT_T0, new Claimant("old", null));
      old.append(alert("pending", 0, "user:alice", "0.8"));
      old.append(alert("delivered", 0, "user:bob", "0.8"));
      old.markWebhookDelivered("delivered", TAKES, T0);
      old.markWebhookDelivered("delivered", REMOVED, T0);
      old.markDelivered("delivered", T0);
      old.append(alert("removed", 0, "user:carl", "0.8"));
      old.markWebhookDelivered("removed", TAKES, T0);
      old.markWebhookFailed("removed", REMOVED, "attempt 1: refused", true);
      old.markPartial("removed", "attempt 1: refused");
      // Now only TAKES is configured.
      var now = new JdbcAlertHistory(t.db, List.of(TAKES), AT_T0, new Claimant("now", null));
      var before = now.deliveries(List.of("pending", "delivered", "removed"));

      assertThat(now.redeliver("nosuch", T0, AlertRedeliveryHistoryTest::entry)).isEqualTo(new Refused(null));
      assertThat(now.redeliver("pending", T0, AlertRedeliveryHistoryTest::entry)).isEqualTo(new Refused(DeliveryState.PENDING));
      assertThat(now.redeliver("delivered", T0, AlertRedeliveryHistoryTest::entry)).isEqualTo(new Refused(DeliveryState.DELIVERED));
      assertThat(now.redeliver("removed", T0, AlertRedeliveryHistoryTest::entry)).isEqualTo(new Refused(DeliveryState.PARTIAL));
      assertThat(now.deliveries(List.of("pending", "delivered", "removed"))).isEqualTo(before);
      assertThat(auditEntries(t.db)).isEmpty();
    }
  }

  /**
   * A redelivery sends again what failed: the alert, marked redelivered, goes only to the webhooks
   * it has rows for, so a webhook configured since it fired is neither read back nor, after a
   * takeover, sent it; an alert still on its first delivery is not marked.
   */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void aRedeliveredAlertIsNotReadBackForAWebhookConfiguredSinceItFiredNorTakenOverForIt(Backend backend) {
    try (var t = backend.open(dir)) {
      var old = new JdbcAlertHistory(t.db, List.of(AWAY), AT_T0, new Claimant("old", null));
      old.append(alert("failed", 0, "user:alice", "0.8"));
      old.markWebhookFailed("failed", AWAY, "attempt 1: refused", true);
      old.markFailed("failed", "attempt 1: refused", true);
      old.append(alert("first", 1, "user:bob", "0.8"));
      old.releaseClaims();

      var now = new JdbcAlertHistory(t.db, List.of(AWAY, ADDED), AT_T0, new Claimant("now", null));
      Started started = (Started) now.redeliver("failed", T0, AlertRedeliveryHistoryTest::entry);
      assertThat(started.claimed().redelivered()).isTrue();
      assertThat(started.resent()).containsExactly(AWAY);
      assertThat(now.heldPendingFor(AWAY, 10)).extracting(c -> c.alert().id()).containsExactly("failed");
      assertThat(now.heldPendingFor(ADDED, 10)).isEmpty();

      now.releaseClaims();
      var next = new JdbcAlertHistory(t.db, List.of(AWAY, ADDED), AT_T0, new Claimant("next", null));
      assertThat(next.claimAbandoned(T0, T0.plus(JdbcAlertHistory.CLAIM_LEASE), 10))
          .extracting(c -> c.alert().id(), JdbcAlertHistory.Claimed::redelivered)
          .containsExactly(org.assertj.core.groups.Tuple.tuple("failed", true), org.assertj.core.groups.Tuple.tuple("first", false));
      // The webhook configured since is read back only the alert still on its first delivery.
      assertThat(next.heldPendingFor(ADDED, 10)).extracting(c -> c.alert().id()).containsExactly("first");
    }
  }

  private static AuditEntry entry(DeliveryState before, List<WebhookDelivery> failed) {
    return new AuditEntry(0, T0, "ops", "alert.redeliver", "p1", before.name().toLowerCase(java.util.Locale.ROOT) + " "
        + failed.get(0).attempts(), "pending", "");
  }

  private static List<String> auditEntries(Database db) throws Exception {
    List<String> out = new ArrayList<>();
    try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT action, target, before_state FROM audit_log")) {
      while (rs.next()) {
        out.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3));
      }
    }
    return out;
  }
}
