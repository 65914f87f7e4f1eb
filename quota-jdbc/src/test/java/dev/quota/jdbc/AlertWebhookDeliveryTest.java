package dev.quota.jdbc;

import static dev.quota.jdbc.JdbcAlertHistoryTest.AT_T0;
import static dev.quota.jdbc.JdbcAlertHistoryTest.T0;
import static dev.quota.jdbc.JdbcAlertHistoryTest.alert;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.quota.alert.Alert;
import dev.quota.jdbc.JdbcAlertHistory.Claimed;
import dev.quota.jdbc.JdbcAlertHistory.Delivery;
import dev.quota.jdbc.JdbcAlertHistory.DeliveryState;
import dev.quota.jdbc.JdbcAlertHistory.WebhookDelivery;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each webhook's delivery of an alert is a row of its own ({@code alert_webhook_delivery}, V7),
 * beside the alert's summary state, on both engines.
 */
class AlertWebhookDeliveryTest {
  static final WebhookRef OPS = WebhookRef.of("https://ops.example/hook?token=s3cret");
  static final WebhookRef PAGER = WebhookRef.of("https://user:pw@pager.example/alerts");

  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(Backend.class)
  void everyConfiguredWebhookStartsPendingAndKeepsItsOwnAttemptsAndError(Backend backend) {
    try (var t = backend.open(dir)) {
      var history = new JdbcAlertHistory(t.db, List.of(OPS, PAGER), AT_T0);
      history.append(alert("a1", 0, "user:alice", "0.8"));
      assertThat(history.delivery("a1").orElseThrow().webhooks()).containsExactly(
          new WebhookDelivery(OPS, DeliveryState.PENDING, 0, null, null),
          new WebhookDelivery(PAGER, DeliveryState.PENDING, 0, null, null));

      assertThat(history.markWebhookDelivered("a1", OPS, T0.plusSeconds(1))).isTrue();
      assertThat(history.markWebhookFailed("a1", PAGER, "attempt 1: pager answered 503", false)).isTrue();
      Delivery midway = history.delivery("a1").orElseThrow();
      // The summary reads as it always did: pending, with the failed attempt's error.
      assertThat(midway.state()).isEqualTo(DeliveryState.PENDING);
      assertThat(midway.attempts()).isEqualTo(1);
      assertThat(midway.lastError()).isEqualTo("attempt 1: pager answered 503");
      assertThat(midway.webhooks()).containsExactly(
          new WebhookDelivery(OPS, DeliveryState.DELIVERED, 1, null, T0.plusSeconds(1)),
          new WebhookDelivery(PAGER, DeliveryState.PENDING, 1, "attempt 1: pager answered 503", null));

      assertThat(history.markWebhookFailed("a1", PAGER, "attempt 2: pager answered 500", true)).isTrue();
      assertThat(history.markPartial("a1", "attempt 2: pager answered 500")).isTrue();
      Delivery settled = history.delivery("a1").orElseThrow();
      assertThat(settled.state()).isEqualTo(DeliveryState.PARTIAL);
      assertThat(settled.webhooks()).containsExactly(
          new WebhookDelivery(OPS, DeliveryState.DELIVERED, 1, null, T0.plusSeconds(1)),
          new WebhookDelivery(PAGER, DeliveryState.FAILED, 2, "attempt 2: pager answered 500", null));
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aWebhookThatTookTheAlertStaysDeliveredWhateverALateSenderReports(Backend backend) {
    try (var t = backend.open(dir)) {
      var history = new JdbcAlertHistory(t.db, List.of(OPS), AT_T0);
      history.append(alert("a1", 0, "user:alice", "0.8"));
      assertThat(history.markWebhookDelivered("a1", OPS, T0.plusSeconds(1))).isTrue();
      assertThat(history.markWebhookFailed("a1", OPS, "attempt 1: timed out", true)).isFalse();
      assertThat(history.markWebhookDelivered("a1", OPS, T0.plusSeconds(9))).isFalse();
      assertThat(history.delivery("a1").orElseThrow().webhooks())
          .containsExactly(new WebhookDelivery(OPS, DeliveryState.DELIVERED, 1, null, T0.plusSeconds(1)));
      // Nor is the alert's summary lowered once delivered.
      assertThat(history.markDelivered("a1", T0.plusSeconds(1))).isTrue();
      assertThat(history.markFailed("a1", "attempt 1: timed out", true)).isFalse();
      assertThat(history.markPartial("a1", "attempt 1: timed out")).isFalse();
      assertThat(history.delivery("a1").orElseThrow().state()).isEqualTo(DeliveryState.DELIVERED);
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aWebhookGivenUpOnStaysFailedWhenALateRetryOfAnotherSenderReports(Backend backend) {
    try (var t = backend.open(dir)) {
      var history = new JdbcAlertHistory(t.db, List.of(PAGER), AT_T0);
      history.append(alert("a1", 0, "user:alice", "0.8"));
      assertThat(history.markWebhookFailed("a1", PAGER, "attempt 3: refused", true)).isTrue();
      assertThat(history.markWebhookFailed("a1", PAGER, "attempt 2: refused", false)).isFalse();
      assertThat(history.delivery("a1").orElseThrow().webhooks())
          .containsExactly(new WebhookDelivery(PAGER, DeliveryState.FAILED, 1, "attempt 3: refused", null));
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aWebhookDroppedFromAnAlertFailsWithTheReasonAndTheAttemptsItHad(Backend backend) {
    try (var t = backend.open(dir)) {
      var history = new JdbcAlertHistory(t.db, List.of(OPS, PAGER), AT_T0);
      history.append(alert("a1", 0, "user:alice", "0.8"));
      history.markWebhookFailed("a1", OPS, "attempt 1: refused", false);
      history.markWebhookFailed("a1", OPS, "attempt 2: refused", false);
      history.markWebhookDelivered("a1", PAGER, T0.plusSeconds(1));

      String reason = "https://ops.example/hook is no longer configured; not sent";
      assertThat(history.markWebhookDropped("a1", OPS, reason)).isTrue();
      // Only a pending row: one the webhook took, or one already dropped, stays as it is.
      assertThat(history.markWebhookDropped("a1", PAGER, reason)).isFalse();
      assertThat(history.markWebhookDropped("a1", OPS, "again")).isFalse();
      assertThat(history.markWebhookDropped("gone", OPS, reason)).isFalse();
      Delivery d = history.delivery("a1").orElseThrow();
      assertThat(d.webhooks()).containsExactly(
          new WebhookDelivery(OPS, DeliveryState.FAILED, 2, reason, null),
          new WebhookDelivery(PAGER, DeliveryState.DELIVERED, 1, null, T0.plusSeconds(1)));
      // The summary is the sender's to settle.
      assertThat(d.state()).isEqualTo(DeliveryState.PENDING);
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aServerTakingOverAnAlertLearnsWhichWebhooksAlreadyTookIt(Backend backend) {
    try (var t = backend.open(dir)) {
      var stopped = new JdbcAlertHistory(t.db, List.of(OPS, PAGER), AT_T0);
      stopped.append(alert("a1", 0, "user:alice", "0.8"));
      stopped.markWebhookDelivered("a1", OPS, T0.plusSeconds(1));
      stopped.markWebhookFailed("a1", PAGER, "attempt 1: refused", false);
      stopped.releaseClaims();

      List<Claimed> taken = new JdbcAlertHistory(t.db, List.of(OPS, PAGER), AT_T0).claimAbandoned(T0, T0.plusSeconds(60), 10);
      assertThat(taken).hasSize(1);
      assertThat(taken.get(0).webhooks()).extracting(WebhookDelivery::webhook, WebhookDelivery::settled)
          .containsExactly(tuple(OPS, true), tuple(PAGER, false));
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aSenderReadsBackOnlyItsOwnClaimedAlertsAWebhookHasNotSettledOldestFirst(Backend backend) {
    try (var t = backend.open(dir)) {
      var other = new JdbcAlertHistory(t.db, List.of(OPS, PAGER), AT_T0);
      other.append(alert("theirs", 0, "user:carol", "0.8"));
      var mine = new JdbcAlertHistory(t.db, List.of(OPS, PAGER), AT_T0);
      mine.append(alert("late", 3, "user:alice", "0.8"));
      mine.append(alert("early", 1, "user:bob", "0.8"));
      mine.append(alert("taken", 2, "user:dave", "0.8"));
      mine.markWebhookDelivered("taken", OPS, T0.plusSeconds(1));
      mine.append(alert("retried", 4, "user:erin", "0.8"));
      mine.markWebhookFailed("retried", OPS, "attempt 1: refused", false);
      mine.append(alert("settled", 5, "user:fay", "0.8"));
      mine.markWebhookDelivered("settled", OPS, T0.plusSeconds(1));
      mine.markWebhookDelivered("settled", PAGER, T0.plusSeconds(1));
      mine.markDelivered("settled", T0.plusSeconds(1));

      assertThat(mine.heldPendingFor(OPS, 10)).extracting(c -> c.alert().id()).containsExactly("early", "late", "retried");
      assertThat(mine.heldPendingFor(OPS, 2)).extracting(c -> c.alert().id()).containsExactly("early", "late");
      assertThat(mine.heldPendingFor(PAGER, 10)).extracting(c -> c.alert().id())
          .containsExactly("early", "taken", "late", "retried");
      Claimed retried = mine.heldPendingFor(OPS, 10).get(2);
      assertThat(retried.webhooks()).extracting(WebhookDelivery::webhook, WebhookDelivery::attempts)
          .containsExactly(tuple(OPS, 1), tuple(PAGER, 0));

      mine.releaseClaims();
      assertThat(mine.heldPendingFor(OPS, 10)).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aWebhookRemovedFromTheConfigurationStillListsWithTheAlertsItWasSent(Backend backend) {
    try (var t = backend.open(dir)) {
      var before = new JdbcAlertHistory(t.db, List.of(OPS, PAGER), AT_T0);
      before.append(alert("a1", 0, "user:alice", "0.8"));
      before.markWebhookDelivered("a1", PAGER, T0.plusSeconds(1));

      var after = new JdbcAlertHistory(t.db, List.of(OPS), AT_T0);
      after.append(alert("a2", 1, "user:bob", "0.8"));
      assertThat(after.query(null, null, null, null, 0, 10)).extracting(Alert::id).containsExactly("a2", "a1");
      Map<String, Delivery> listed = after.deliveries(List.of("a2", "a1", "gone"));
      assertThat(listed).containsOnlyKeys("a1", "a2");
      assertThat(listed.get("a1").webhooks()).extracting(WebhookDelivery::webhook).containsExactly(OPS, PAGER);
      assertThat(listed.get("a1").webhooks().get(1).webhook().url()).isEqualTo("https://pager.example/alerts");
      assertThat(listed.get("a2").webhooks()).extracting(WebhookDelivery::webhook).containsExactly(OPS);
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aWebhookTheAlertHadNoRowForGetsOneAtItsFirstAttemptButAMissingAlertGetsNone(Backend backend) {
    try (var t = backend.open(dir)) {
      // Stored without rows: before this table existed, or by a server configured without this webhook.
      var history = new JdbcAlertHistory(t.db, AT_T0);
      history.append(alert("a1", 0, "user:alice", "0.8"));
      assertThat(history.delivery("a1").orElseThrow().webhooks()).isEmpty();
      assertThat(history.markWebhookDelivered("a1", OPS, T0)).isTrue();
      assertThat(history.delivery("a1").orElseThrow().webhooks())
          .containsExactly(new WebhookDelivery(OPS, DeliveryState.DELIVERED, 1, null, T0));

      assertThat(history.markWebhookFailed("nope", OPS, "refused", false)).isFalse();
      assertThat(history.markWebhookDelivered("nope", OPS, T0)).isFalse();
      assertThat(t.queryLong("SELECT COUNT(*) FROM alert_webhook_delivery WHERE alert_id = 'nope'")).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void withoutWebhooksAnAlertIsNoneWithNoRows(Backend backend) {
    try (var t = backend.open(dir)) {
      var history = new JdbcAlertHistory(t.db, List.of(), AT_T0);
      history.append(alert("a1", 0, "user:alice", "0.8"));
      assertThat(history.delivery("a1")).contains(new Delivery(DeliveryState.NONE, 0, null, null, List.of()));
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void appendingAnAlertAgainAddsNoRowsAndKeepsTheirState(Backend backend) {
    try (var t = backend.open(dir)) {
      var history = new JdbcAlertHistory(t.db, List.of(OPS), AT_T0);
      history.append(alert("a1", 0, "user:alice", "0.8"));
      history.markWebhookDelivered("a1", OPS, T0);
      new JdbcAlertHistory(t.db, List.of(OPS, PAGER), AT_T0).append(alert("a1", 0, "user:alice", "0.8"));
      assertThat(history.delivery("a1").orElseThrow().webhooks())
          .containsExactly(new WebhookDelivery(OPS, DeliveryState.DELIVERED, 1, null, T0));
    }
  }
  /**
   * A server resuming an alert its killed predecessor journaled may find it stored already, even
   * sent to some webhooks: it takes the alert only where no other claim is in force, and learns
   * which webhooks are done with it, so that none is sent it twice.
   */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void aResumedAlertIsClaimedWithItsRowsOnlyWhileUnsettledAndNoOtherClaimIsInForce(Backend backend) {
    try (var t = backend.open(dir)) {
      java.time.Duration lease = JdbcAlertHistory.CLAIM_LEASE;
      var killed = new JdbcAlertHistory(t.db, List.of(OPS, PAGER), AT_T0);
      var next = new JdbcAlertHistory(t.db, List.of(OPS, PAGER), AT_T0);
      Alert a1 = alert("a1", 0, "user:alice", "0.8");
      killed.append(a1);
      killed.markWebhookDelivered("a1", OPS, T0.plusSeconds(1));

      // The killed server's claim is still in force: it is left to lapse, not taken from under it.
      assertThat(next.claimResumed("a1", T0.plusSeconds(2), T0.plusSeconds(2).plus(lease))).isEmpty();
      java.time.Instant lapsed = T0.plus(lease).plusSeconds(1);
      Claimed taken = next.claimResumed("a1", lapsed, lapsed.plus(lease)).orElseThrow();
      assertThat(taken.alert()).isEqualTo(a1);
      assertThat(taken.webhooks()).extracting(WebhookDelivery::webhook, WebhookDelivery::settled)
          .containsExactly(tuple(OPS, true), tuple(PAGER, false));
      assertThat(killed.renewClaims(lapsed.plus(lease))).isZero(); // it is the resuming server's now

      // Stored by the resuming server itself: its own claim.
      Alert a2 = alert("a2", 1, "user:bob", "0.8");
      next.append(a2);
      assertThat(next.claimResumed("a2", T0.plusSeconds(61), T0.plus(lease))).map(Claimed::alert).contains(a2);

      // Released by a stopped server: taken at once.
      Alert a3 = alert("a3", 2, "user:carl", "0.8");
      killed.append(a3);
      assertThat(killed.releaseClaims()).isEqualTo(1);
      assertThat(next.claimResumed("a3", T0.plusSeconds(121), T0.plus(lease))).map(Claimed::alert).contains(a3);

      // Settled, or never stored: nothing to send.
      assertThat(next.markDelivered("a1", lapsed)).isTrue();
      assertThat(next.claimResumed("a1", lapsed.plus(lease.multipliedBy(9)), lapsed.plus(lease.multipliedBy(10)))).isEmpty();
      assertThat(next.claimResumed("nope", lapsed, lapsed.plus(lease))).isEmpty();
    }
  }
}
