package dev.quota.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ledger writers' pool: its sessions carry bounds of their own, tighter than the shared pool's, and on
 * PostgreSQL a reply that never comes ends the statement as a lost connection.
 */
class BoundedPoolTest {
  @TempDir Path dir;

  @Test
  void writerSessionsOnPostgresCarryTheirBoundsAndSharedOnesTheShared() throws Exception {
    try (var t = Backend.POSTGRES.open(dir);
        var pool = BoundedPool.open(t.db, "ledger", 1, Duration.ofSeconds(2), Duration.ofSeconds(10));
        Connection writer = pool.dataSource().getConnection();
        Connection shared = t.db.connection()) {
      assertThat(Sql.text(writer, "SHOW lock_timeout")).isEqualTo("2s");
      assertThat(Sql.text(writer, "SHOW statement_timeout")).isEqualTo("10s");
      assertThat(Sql.text(shared, "SHOW lock_timeout")).isEqualTo("2s"); // Database.Bounds.SHARED
      assertThat(Sql.text(shared, "SHOW statement_timeout")).isEqualTo("1min");
    }
  }

  @Test
  void writerSessionsOnH2CarryTheBoundsAndSharedOnesDoNot() throws Exception {
    try (var t = Backend.H2.open(dir);
        var pool = BoundedPool.open(t.db, "ledger", 1, Duration.ofMillis(1500), Duration.ofSeconds(10));
        Connection writer = pool.dataSource().getConnection();
        Connection shared = t.db.connection()) {
      assertThat(Sql.text(writer, "SELECT LOCK_TIMEOUT()")).isEqualTo("1500");
      assertThat(Sql.text(writer, QUERY_TIMEOUT)).isEqualTo("10000");
      assertThat(Sql.text(shared, "SELECT LOCK_TIMEOUT()")).isEqualTo("2000"); // H2's own default
      assertThat(Sql.text(shared, QUERY_TIMEOUT)).isEqualTo("0");
    }
  }

  private static final String QUERY_TIMEOUT =
      "SELECT SETTING_VALUE FROM INFORMATION_SCHEMA.SETTINGS WHERE SETTING_NAME = 'QUERY_TIMEOUT'";

  @Test
  void theSocketTimeoutIsTheStatementTimeoutAndAMarginInWholeSecondsRoundedUp() {
    assertThat(BoundedPool.socketTimeoutSeconds(Duration.ofSeconds(10))).isEqualTo(15);
    assertThat(BoundedPool.socketTimeoutSeconds(Duration.ofMillis(1))).isEqualTo(6);
    assertThat(BoundedPool.socketTimeoutSeconds(Duration.ofMillis(10_001))).isEqualTo(16);
    assertThat(BoundedPool.socketTimeoutSeconds(Duration.ofHours(1))).isEqualTo(3605);
  }

  /**
   * The server took the statement but its answer never arrives (the proxy holds it): the
   * statement timeout cannot help, since the server did answer, so the driver's socket timeout
   * ends the wait, and the failure reads as a lost connection, which the ledger spools.
   */
  @Test
  void aReplyThatNeverComesEndsTheStatementAsALostConnection() throws Exception {
    String schema = Backend.newSchemaName();
    ExecutorService caller = Executors.newSingleThreadExecutor();
    try (var proxy = new TcpProxy(5432);
        var db = Database.open(Backend.pgUrl("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/test", schema), Backend.PG_USER, null);
        var pool = BoundedPool.open(db, "ledger", 1, Duration.ofMillis(500), Duration.ofSeconds(1));
        Connection writer = pool.dataSource().getConnection()) {
      assertThat(Sql.text(writer, "SELECT 'answered'")).isEqualTo("answered");
      proxy.holdReplies();
      try {
        Future<String> unanswered = caller.submit(() -> Sql.text(writer, "SELECT 'never seen'"));
        // Unbounded, the driver would wait for ever; this wait is the test's guard.
        assertThatThrownBy(() -> unanswered.get(60, TimeUnit.SECONDS))
            .cause()
            .isInstanceOfSatisfying(SQLException.class, e -> {
              assertThat(new DatabaseException("a write", e).isUnreachable()).as(e.toString()).isTrue();
              assertThat(DatabaseException.isDataError(e.getSQLState())).isFalse();
            });
      } finally {
        proxy.releaseReplies(); // lets a statement still waiting end, so that its connection can close
      }
    } finally {
      caller.shutdownNow();
      Backend.dropSchema(schema);
    }
  }
}
