package dev.quota.jdbc;

import static dev.quota.jdbc.JdbcAlertHistoryTest.AT_T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.jdbc.JdbcAlertHistory.Claimant;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A database the version before kept (migrated up to V11, alerts waiting in it) gets the index
 * pending alerts are read back by (V14) when this version opens it, on both engines, and the
 * waiting alerts are read back as before.
 */
class HeldPendingIndexUpgradeTest {
  private static final WebhookRef HOOK = WebhookRef.of("https://ops.example/hook");

  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(Backend.class)
  void theIndexIsAddedToADatabaseOfTheVersionBeforeAndItsWaitingAlertsAreReadBack(Backend backend) throws SQLException {
    try (EarlierSchema earlier = new EarlierSchema(backend, dir.resolve("data")).migratedTo("11")) {
      try (Connection c = earlier.connect(); Statement s = c.createStatement()) {
        assertThat(indexes(s, backend)).isZero();
        for (String id : List.of("b", "a")) {
          s.execute("INSERT INTO alert (id, at, policy, subject, period, period_start, threshold, used_amount,"
              + " limit_amount, currency, delivery_state, delivery_attempts, claimed_by, claimed_until) VALUES ('" + id
              + "', TIMESTAMP WITH TIME ZONE '2025-03-10 12:00:00+00', 'user:*', 'user:" + id + "', 'daily',"
              + " TIMESTAMP WITH TIME ZONE '2025-03-10 00:00:00+00', 0.8, 8, 10, 'USD', 'pending', 0, 'mine',"
              + " TIMESTAMP WITH TIME ZONE '2100-01-01 00:00:00+00')");
          s.execute("INSERT INTO alert_webhook_delivery (alert_id, webhook_id, webhook_url, state, attempts)"
              + " VALUES ('" + id + "', '" + HOOK.id() + "', '" + HOOK.url() + "', 'pending', 0)");
        }
      }
      try (Database db = earlier.open()) {
        try (Connection c = db.connection(); Statement s = c.createStatement()) {
          assertThat(indexes(s, backend)).isEqualTo(1);
        }
        var history = new JdbcAlertHistory(db, List.of(HOOK), AT_T0, new Claimant("mine", null));
        assertThat(history.heldPendingFor(HOOK, 10)).extracting(c -> c.alert().id()).containsExactly("a", "b");
      }
    }
  }

  private static long indexes(Statement s, Backend backend) throws SQLException {
    String sql = backend == Backend.H2
        ? "SELECT COUNT(*) FROM information_schema.indexes WHERE index_name = 'alert_held_pending'"
            + " AND table_schema = current_schema()"
        : "SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'alert_held_pending' AND schemaname = current_schema()";
    try (var rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
