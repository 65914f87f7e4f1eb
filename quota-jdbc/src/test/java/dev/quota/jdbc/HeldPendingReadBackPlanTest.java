package dev.quota.jdbc;

import static dev.quota.jdbc.JdbcAlertHistoryTest.AT_T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.alert.Alert;
import dev.quota.jdbc.JdbcAlertHistory.Claimant;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sender's read-back of the deliveries it left in the database ({@link
 * JdbcAlertHistory#heldPendingFor}) goes by the index of pending alerts by claimant ({@code
 * alert_held_pending}, V14) on PostgreSQL, where tens of thousands of alerts wait, spread over three
 * servers, behind a hundred thousand settled ones. Proved on the plan PostgreSQL makes for it, with
 * the table's statistics taken, rather than on a timing: it walked the index on {@code at} through
 * every settled alert before it reached a pending one.
 */
class HeldPendingReadBackPlanTest {
  private static final WebhookRef FAST = new WebhookRef("fa57fa57fa57fa57", "https://fast.example/hook");
  private static final WebhookRef HANGS = new WebhookRef("4a9649a9649a9649", "https://hangs.example/hook");
  private static final int SETTLED = 100_000;
  private static final int WAITING = 60_000;

  @TempDir Path dir;

  @Test
  void theReadBackOfAWebhooksPendingDeliveriesGoesByTheIndexOfPendingAlertsByClaimant() throws SQLException {
    try (var t = Backend.POSTGRES.open(dir)) {
      // Settled alerts first, then the waiting ones, each claimed by one of three servers in turn;
      // the fast webhook took them all, the one that hangs none of the waiting ones.
      t.execute(alerts("s", SETTLED, "2025-01-01", "'delivered'", "NULL"));
      t.execute(alerts("w", WAITING, "2025-03-01", "'pending'",
          "CASE g % 3 WHEN 0 THEN 'mine' WHEN 1 THEN 'theirs' ELSE 'others' END"));
      t.execute("INSERT INTO alert_webhook_delivery (alert_id, webhook_id, webhook_url, state, attempts, delivered_at)"
          + " SELECT id, '" + FAST.id() + "', '" + FAST.url() + "', 'delivered', 1, at FROM alert");
      t.execute("INSERT INTO alert_webhook_delivery (alert_id, webhook_id, webhook_url, state, attempts)"
          + " SELECT id, '" + HANGS.id() + "', '" + HANGS.url() + "', CASE delivery_state WHEN 'pending' THEN 'pending'"
          + " ELSE 'delivered' END, 0 FROM alert");
      t.execute("ANALYZE alert");
      t.execute("ANALYZE alert_webhook_delivery");

      assertThat(plan(t.db, "mine", HANGS, 2000)).contains("alert_held_pending");

      // And it reads what it should: this server's oldest, in order (every third is its).
      var mine = new JdbcAlertHistory(t.db, List.of(FAST, HANGS), AT_T0, new Claimant("mine", null));
      assertThat(mine.heldPendingFor(HANGS, 4)).extracting(c -> c.alert().id())
          .containsExactly(IntStream.of(3, 6, 9, 12).mapToObj(g -> "w" + g).toArray(String[]::new));
      assertThat(mine.heldPendingFor(FAST, 4)).isEmpty();
      assertThat(mine.heldPendingFor(HANGS, 4).get(0).alert()).extracting(Alert::subject).isEqualTo("user:u3");
    }
  }

  /** {@code n} alerts {@code prefix1..n}, a second apart from {@code day}, in {@code state}, claimed as {@code claimant} says. */
  private static String alerts(String prefix, int n, String day, String state, String claimant) {
    return "INSERT INTO alert (id, at, policy, subject, period, period_start, threshold, used_amount, limit_amount,"
        + " currency, delivery_state, delivery_attempts, claimed_by, claimed_until)"
        + " SELECT '" + prefix + "' || g, TIMESTAMP WITH TIME ZONE '" + day + " 00:00:00+00' + g * INTERVAL '1 second',"
        + " 'user:*', 'user:u' || (g % 1000), 'daily', TIMESTAMP WITH TIME ZONE '" + day + " 00:00:00+00', 0.8, 8, 10,"
        + " 'USD', " + state + ", 0, " + claimant + ", TIMESTAMP WITH TIME ZONE '2100-01-01 00:00:00+00'"
        + " FROM generate_series(1, " + n + ") g";
  }

  /** What PostgreSQL plans for the read-back, given these values. */
  private static String plan(Database db, String claimant, WebhookRef webhook, int limit) throws SQLException {
    try (Connection c = db.connection();
        PreparedStatement ps = c.prepareStatement("EXPLAIN " + JdbcAlertHistory.HELD_PENDING_FOR)) {
      JdbcAlertHistory.bindHeldPendingFor(ps, claimant, webhook, limit);
      StringBuilder plan = new StringBuilder();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          plan.append(rs.getString(1)).append('\n');
        }
      }
      return plan.toString();
    }
  }
}
