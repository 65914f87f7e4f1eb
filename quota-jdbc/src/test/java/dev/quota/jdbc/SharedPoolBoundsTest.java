package dev.quota.jdbc;

import static dev.quota.jdbc.Entries.forUser;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * On PostgreSQL the shared pool's sessions are bounded: a read held up behind another session's
 * lock (the ledger's sum a lost budget is rebuilt from, a cost report) gives up within the bound as
 * busy, where it waited for as long as the lock was held. A prune and a migration keep running
 * past the statement bound, as work that may legitimately take long.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SharedPoolBoundsTest {
  private static final Instant T0 = Instant.parse("2025-03-10T12:00:00Z");
  private static final Duration SHORT = Duration.ofMillis(300);
  private static final Duration LONG = Duration.ofSeconds(30);
  private static final long GUARD = 30;

  @TempDir Path dir;
  private final String schema = Backend.newSchemaName();
  private final ExecutorService callers = Executors.newCachedThreadPool();

  @AfterEach
  void cleanUp() {
    callers.shutdownNow();
    Backend.dropSchema(schema);
  }

  private Database open(Database.Bounds bounds) {
    return Database.open(Backend.pgUrl(Backend.PG_URL, schema), Backend.PG_USER, null, 4, bounds);
  }

  private Connection holder() throws SQLException {
    Connection c = DriverManager.getConnection(Backend.pgUrl(Backend.PG_URL, schema), Backend.PG_USER, null);
    c.setAutoCommit(false);
    return c;
  }

  private JdbcUsageLedger.Builder ledger(Database db) {
    return JdbcUsageLedger.builder(db).spoolDirectory(dir.resolve("spool"))
        .clock(java.time.Clock.fixed(T0, ZoneOffset.UTC));
  }

  @Test
  void sharedSessionsCarryTheDefaultBounds() throws Exception {
    try (Database db = open(Database.Bounds.SHARED);
        Connection shared = db.connection()) {
      assertThat(Sql.text(shared, "SHOW lock_timeout")).isEqualTo("2s");
      assertThat(Sql.text(shared, "SHOW statement_timeout")).isEqualTo("1min");
    }
  }

  @Test
  void theSpendABudgetIsRebuiltFromGivesUpBehindALockAsBusy() throws Exception {
    try (Database db = open(new Database.Bounds(SHORT, LONG));
        JdbcUsageLedger ledger = ledger(db).build();
        Connection holder = holder()) {
      ledger.append(forUser("spent", T0, "alice", "1.5"));
      Sql.execute(holder, "LOCK TABLE usage_entry IN ACCESS EXCLUSIVE MODE");

      Future<?> spent = callers.submit(() -> ledger.spent(Map.of("user", "alice"), T0.minusSeconds(60), T0.plusSeconds(60)));
      assertThatThrownBy(() -> spent.get(GUARD, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOfSatisfying(DatabaseException.class, e -> assertThat(e.isBusy()).as(e.getMessage()).isTrue());

      holder.rollback();
      assertThat(ledger.spent(Map.of("user", "alice"), T0.minusSeconds(60), T0.plusSeconds(60)).toPlainString())
          .isEqualTo("1.50");
    }
  }

  @Test
  void aCostReportPastTheStatementBoundGivesUpAsCancelled() throws Exception {
    try (Database db = open(new Database.Bounds(LONG, SHORT));
        Connection holder = holder()) {
      CostReports reports = new CostReports(db);
      Sql.execute(holder, "LOCK TABLE usage_entry IN ACCESS EXCLUSIVE MODE");
      LocalDate day = LocalDate.of(2025, 3, 10);

      Future<?> report = callers.submit(() ->
          reports.report(day, day.plusDays(1), CostReports.Period.DAY, CostReports.GroupBy.USER, Map.of()));
      assertThatThrownBy(() -> report.get(GUARD, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOfSatisfying(DatabaseException.class, e -> {
            assertThat(e.isCancelled()).as(e.getMessage()).isTrue();
            assertThat(e.isUnreachable()).isFalse();
          });
    }
  }

  /**
   * The statement bound is shorter than the prune's own lock bound here: a prune that kept the
   * shared session's statement bound would be cancelled by it (57014) before its lock wait ended;
   * it lifts it, so the wait ends on the prune's lock bound (55P03).
   */
  @Test
  void aPruneIsNotCutOffByTheStatementBound() throws Exception {
    try (Database db = open(new Database.Bounds(LONG, SHORT));
        JdbcUsageLedger ledger = ledger(db).lockTimeout(Duration.ofSeconds(1)).build();
        Connection holder = holder()) {
      Sql.execute(holder, "SELECT rolled_up_before FROM ledger_state WHERE id = 1 FOR UPDATE");

      Future<PruneResult> prune = callers.submit(() -> ledger.prune(T0.plus(Duration.ofDays(400))));
      assertThatThrownBy(() -> prune.get(GUARD, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOfSatisfying(DatabaseException.class, e -> {
            assertThat(e.isBusy()).as(e.getMessage()).isTrue();
            assertThat(e.isCancelled()).as(e.getMessage()).isFalse();
          });
      holder.rollback();
      assertThat(ledger.prune(T0.plus(Duration.ofDays(400))).rawRowsDeleted()).isZero();
    }
  }

  /**
   * A migration waits for a lock for as long as it takes, past the shared lock bound: opening a
   * database whose schema history another session locks goes on once that session lets go.
   */
  @Test
  void aMigrationWaitsPastTheLockBound() throws Exception {
    open(Database.Bounds.SHARED).close(); // the schema and its history exist
    try (Connection holder = holder();
        Connection watcher = DriverManager.getConnection(Backend.PG_URL, Backend.PG_USER, null)) {
      Sql.execute(holder, "LOCK TABLE flyway_schema_history IN ACCESS EXCLUSIVE MODE");
      int holderPid = Integer.parseInt(Sql.text(holder, "SELECT pg_backend_pid()"));
      Future<Database> opening = callers.submit(() -> open(new Database.Bounds(SHORT, SHORT)));
      // Waiting for the real lock bound to pass, thrice over, with the migration still waiting.
      Sql.awaitUntil(() -> waitingLongerThan(watcher, holderPid, SHORT.multipliedBy(3)), GUARD);
      assertThat(opening.isDone()).isFalse();
      holder.rollback();
      try (Database opened = opening.get(GUARD, TimeUnit.SECONDS)) {
        assertThat(opened.engine()).isEqualTo(Database.Engine.POSTGRESQL);
      }
    }
  }

  /**
   * True once a session has waited for a lock the session {@code holderPid} holds for longer than
   * {@code d}; asked on an auto-commit {@code watcher}, since a transaction keeps its first view
   * of the activity table.
   */
  private static boolean waitingLongerThan(Connection watcher, int holderPid, Duration d) {
    try (Statement s = watcher.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM pg_stat_activity WHERE " + holderPid + " = ANY(pg_blocking_pids(pid))"
            + " AND clock_timestamp() - query_start > interval '" + d.toMillis() + " milliseconds'")) {
      rs.next();
      return rs.getLong(1) > 0;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
