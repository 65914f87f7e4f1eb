package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Regression: on PostgreSQL a commit and recorded usage were answered only once another session's
 * lock on {@code usage_entry} was gone (22 s behind a 25 s lock), with {@code /health} saying the
 * database was up and nothing spooled. With the ledger's default bounds they are answered while
 * the lock is still held, the entries wait in the spool, and once the lock is released they reach
 * the table, each exactly once.
 */
class LedgerHeldUpByALockTest {
  /** How long the test waits for a call the server must answer within the ledger's bounds (seconds). */
  private static final long GUARD = 60;

  @Test
  void aCommitAndUsageBehindAnAccessExclusiveLockAreAnsweredSpooledAndWrittenOnceAfter() throws Exception {
    PostgresSchema schema = new PostgresSchema();
    ExecutorService callers = Executors.newFixedThreadPool(3);
    try (TestServer server = TestServer.start(null, null, schema.url());
        Connection holder = DriverManager.getConnection(schema.url())) {
      Api admin = server.admin;
      Api.Response reserved = admin.post("/v1/reservations", "{\"subjects\":{\"user\":\"held\"},\"estimatedCost\":\"0.50\"}");
      assertThat(reserved.status()).as(reserved.toString()).isEqualTo(201);
      String reservation = reserved.json().get("reservationId").asText();
      String keyedUsage = "{\"subjects\":{\"user\":\"held\"},\"cost\":\"1\",\"idempotencyKey\":\"usage-held-1\"}";

      holder.setAutoCommit(false);
      try (Statement s = holder.createStatement()) {
        s.execute("LOCK TABLE usage_entry IN ACCESS EXCLUSIVE MODE");
      }
      Future<Api.Response> commit =
          callers.submit(() -> admin.post("/v1/reservations/" + reservation + "/commit", "{\"actualCost\":\"0.40\"}"));
      Future<Api.Response> keyed = callers.submit(() -> admin.post("/v1/usage", keyedUsage));
      Future<Api.Response> unkeyed = callers.submit(() -> admin.post("/v1/usage", "{\"subjects\":{\"user\":\"held\"},\"cost\":\"2\"}"));
      // Unbounded, these would wait for the holder, which only this thread releases.
      for (Future<Api.Response> answered : List.of(commit, keyed, unkeyed)) {
        Api.Response r = answered.get(GUARD, TimeUnit.SECONDS);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
      }

      assertThat(accessExclusiveLocksHeldBy(holder)).isOne();
      assertThat(admin.metric("quota_ledger_spooled_entries")).isEqualTo("3.0");
      assertThat(admin.get("/health").json().get("checks").get("database").asText()).isEqualTo("up");

      holder.rollback();
      holder.setAutoCommit(true);
      // The ledger's writers try the database again every second on their own.
      Polling.awaitUntil(Duration.ofSeconds(GUARD), () -> "0.0".equals(admin.metric("quota_ledger_spooled_entries")));
      assertThat(count(holder, "SELECT COUNT(*) FROM usage_entry")).isEqualTo(3);
      assertThat(count(holder, "SELECT COUNT(*) FROM usage_entry WHERE reservation_id = '" + reservation + "'")).isOne();
      assertThat(count(holder, "SELECT COUNT(*) FROM usage_entry WHERE idempotency_key = 'usage-held-1'")).isOne();

      // A retry of the keyed usage is now answered from the table, and adds nothing.
      Api.Response retried = admin.post("/v1/usage", keyedUsage);
      assertThat(retried.status()).as(retried.toString()).isEqualTo(200);
      assertThat(retried.json().get("replayed").asBoolean()).isTrue();
      assertThat(count(holder, "SELECT COUNT(*) FROM usage_entry")).isEqualTo(3);
    } finally {
      callers.shutdownNow();
      schema.drop();
    }
  }

  private static long accessExclusiveLocksHeldBy(Connection holder) throws SQLException {
    return count(holder, "SELECT COUNT(*) FROM pg_locks WHERE pid = pg_backend_pid() AND granted"
        + " AND relation = 'usage_entry'::regclass AND mode = 'AccessExclusiveLock'");
  }

  private static long count(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }


}
