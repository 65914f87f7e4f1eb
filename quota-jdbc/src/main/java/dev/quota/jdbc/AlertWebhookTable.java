package dev.quota.jdbc;

import dev.quota.jdbc.JdbcAlertHistory.DeliveryState;
import dev.quota.jdbc.JdbcAlertHistory.WebhookDelivery;
import dev.quota.jdbc.internal.Jdbc;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code alert_webhook_delivery} rows: one per alert and webhook, on the caller's connection so
 * they change in the same transaction as the alert they belong to.
 */
final class AlertWebhookTable {
  /** Ids per {@code IN} list: a page of alerts or a batch of takeovers fits in one. */
  private static final int IDS_PER_QUERY = 500;
  static final int URL_WIDTH = 2000;
  static final int ERROR_WIDTH = 1000;

  private AlertWebhookTable() {}

  /** A {@code pending} row, with no attempt yet, for each of {@code webhooks}. */
  static void insertPending(Connection c, String alertId, List<WebhookRef> webhooks) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "INSERT INTO alert_webhook_delivery (alert_id, webhook_id, webhook_url, state, attempts)"
            + " VALUES (?, ?, ?, 'pending', 0) ON CONFLICT DO NOTHING")) {
      for (WebhookRef w : webhooks) {
        ps.setString(1, alertId);
        ps.setString(2, w.id());
        ps.setString(3, JdbcAlertHistory.truncated(w.url(), URL_WIDTH));
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  /**
   * Records one attempt of {@code webhook} on the alert: its row (created if the alert has none for
   * it, as for an alert stored before the webhook was configured) becomes {@code state}, with one
   * attempt more. A row already {@code delivered} is left alone: the receiver took the alert, and a
   * late answer from a second sender (a claim lost while it still sent) changes nothing. False if
   * there is no such alert or the row was already delivered.
   */
  static boolean recordAttempt(Connection c, String alertId, WebhookRef webhook, DeliveryState state, String error,
      Instant deliveredAt) throws SQLException {
    // Inserting from the alert row means no row is made for an alert that does not exist.
    try (PreparedStatement ps = c.prepareStatement(
        "INSERT INTO alert_webhook_delivery (alert_id, webhook_id, webhook_url, state, attempts)"
            + " SELECT id, ?, ?, 'pending', 0 FROM alert WHERE id = ? ON CONFLICT DO NOTHING")) {
      ps.setString(1, webhook.id());
      ps.setString(2, JdbcAlertHistory.truncated(webhook.url(), URL_WIDTH));
      ps.setString(3, alertId);
      ps.executeUpdate();
    }
    try (PreparedStatement ps = c.prepareStatement(
        // Delivered is final; so is failed, but for a last attempt's own report (a late retry of a
        // webhook another server gave up on must not make it pending again).
        "UPDATE alert_webhook_delivery SET state = ?, attempts = attempts + 1, last_error = ?, delivered_at = ?"
            + " WHERE alert_id = ? AND webhook_id = ? AND "
            + (state == DeliveryState.PENDING ? "state = 'pending'" : "state <> 'delivered'"))) {
      ps.setString(1, state.wire());
      ps.setString(2, error == null ? null : JdbcAlertHistory.truncated(error, ERROR_WIDTH));
      Jdbc.setInstant(ps, 3, deliveredAt);
      ps.setString(4, alertId);
      ps.setString(5, webhook.id());
      return ps.executeUpdate() == 1;
    }
  }

  /** Makes {@code webhook}'s row of the alert, if pending, {@code failed} with {@code reason} and no attempt more. */
  static boolean drop(Connection c, String alertId, WebhookRef webhook, String reason) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "UPDATE alert_webhook_delivery SET state = 'failed', last_error = ?"
            + " WHERE alert_id = ? AND webhook_id = ? AND state = 'pending'")) {
      ps.setString(1, JdbcAlertHistory.truncated(reason, ERROR_WIDTH));
      ps.setString(2, alertId);
      ps.setString(3, webhook.id());
      return ps.executeUpdate() == 1;
    }
  }

  /**
   * Makes {@code webhook}'s failed row of the alert pending again with no attempt and no error, to
   * be sent afresh (an admin's redelivery); false if it is not failed.
   */
  static boolean reopen(Connection c, String alertId, WebhookRef webhook) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "UPDATE alert_webhook_delivery SET state = 'pending', attempts = 0, last_error = NULL, delivered_at = NULL"
            + " WHERE alert_id = ? AND webhook_id = ? AND state = 'failed'")) {
      ps.setString(1, alertId);
      ps.setString(2, webhook.id());
      return ps.executeUpdate() == 1;
    }
  }

  /** The rows of each of {@code alertIds} that has any, in the order of their webhooks' URLs. */
  static Map<String, List<WebhookDelivery>> read(Connection c, Collection<String> alertIds) throws SQLException {
    Map<String, List<WebhookDelivery>> out = new HashMap<>();
    List<String> ids = List.copyOf(alertIds);
    for (int from = 0; from < ids.size(); from += IDS_PER_QUERY) {
      List<String> chunk = ids.subList(from, Math.min(ids.size(), from + IDS_PER_QUERY));
      String marks = String.join(", ", Collections.nCopies(chunk.size(), "?"));
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT alert_id, webhook_id, webhook_url, state, attempts, last_error, delivered_at"
              + " FROM alert_webhook_delivery WHERE alert_id IN (" + marks + ") ORDER BY alert_id, webhook_url, webhook_id")) {
        Jdbc.bind(ps, chunk);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.computeIfAbsent(rs.getString("alert_id"), k -> new ArrayList<>()).add(
                new WebhookDelivery(
                    new WebhookRef(rs.getString("webhook_id"), rs.getString("webhook_url")),
                    DeliveryState.valueOf(rs.getString("state").toUpperCase(Locale.ROOT)),
                    rs.getInt("attempts"),
                    rs.getString("last_error"),
                    Jdbc.getInstant(rs, "delivered_at")));
          }
        }
      }
    }
    return out;
  }
}
