package dev.quota.jdbc;

import static dev.quota.jdbc.AlertWebhookDeliveryTest.OPS;
import static dev.quota.jdbc.AlertWebhookDeliveryTest.PAGER;
import static dev.quota.jdbc.JdbcAlertHistoryTest.AT_T0;
import static dev.quota.jdbc.JdbcAlertHistoryTest.T0;
import static dev.quota.jdbc.JdbcAlertHistoryTest.alert;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.jdbc.JdbcAlertHistory.Delivery;
import dev.quota.jdbc.JdbcAlertHistory.DeliveryState;
import dev.quota.jdbc.JdbcAlertHistory.WebhookDelivery;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading an alert's delivery while a sender settles it. The sender records each webhook's outcome,
 * then the alert's summary; a reader's two queries each see what was committed when they began, so
 * a sender may finish between them, as it does when the reader is descheduled there on a busy
 * machine. On PostgreSQL the test makes that happen: it holds the alert table locked, so the
 * reader's query of it waits, and settles the alert before letting it go.
 */
class AlertDeliveryReadTest {
  @TempDir Path dir;

  @Test
  void anAlertReadAsDeliveredListsEveryWebhookDelivered() throws Exception {
    try (var t = Backend.POSTGRES.open(dir)) {
      var history = new JdbcAlertHistory(t.db, List.of(OPS, PAGER), AT_T0);
      history.append(alert("a1", 0, "user:alice", "0.8"));
      history.markWebhookDelivered("a1", OPS, T0.plusSeconds(1));

      CompletableFuture<Delivery> read;
      try (Connection sender = t.db.connection()) {
        sender.setAutoCommit(false);
        try (Statement s = sender.createStatement()) {
          s.execute("LOCK TABLE alert IN ACCESS EXCLUSIVE MODE");
          read = CompletableFuture.supplyAsync(() -> history.delivery("a1").orElseThrow());
          awaitWaitingOnALock(t);
          // What the sender's last two steps write: the pager took the alert, so it is delivered.
          s.executeUpdate("UPDATE alert_webhook_delivery SET state = 'delivered', attempts = attempts + 1"
              + " WHERE alert_id = 'a1' AND webhook_id = '" + PAGER.id() + "'");
          s.executeUpdate("UPDATE alert SET delivery_state = 'delivered' WHERE id = 'a1'");
        }
        sender.commit();
      }

      Delivery seen = read.get(10, TimeUnit.SECONDS);
      if (seen.state() == DeliveryState.DELIVERED) {
        assertThat(seen.webhooks()).extracting(WebhookDelivery::state).containsOnly(DeliveryState.DELIVERED);
      }
      assertThat(history.delivery("a1").orElseThrow().webhooks())
          .extracting(WebhookDelivery::state).containsOnly(DeliveryState.DELIVERED);
    }
  }

  /** Until another session of the test's schema waits for a lock (the reader, on the alert table). */
  private static void awaitWaitingOnALock(Backend.TestDb t) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (t.queryLong("SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'alert'::regclass") == 0) {
      assertThat(System.nanoTime()).as("the reader waits for the alert table").isLessThan(deadline);
      Thread.onSpinWait();
    }
  }
}
