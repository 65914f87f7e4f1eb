package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code quota_ledger_queued_entries} on /metrics: the usage entries waiting on the ledger's
 * group-commit queue for a writer. A PostgreSQL table lock, as a migration or an operator's open
 * session takes one, holds the writers in their insert, so what is appended meanwhile stays queued.
 *
 * <p>By default the writers give up on a lock after 2 s and spool their batch
 * ({@code LedgerHeldUpByALockTest}); here the lock bound is raised far past the test's own guards,
 * so the writers stay held until the test releases the lock and what it counts does not depend on
 * how quickly it gets to count.
 */
class LedgerQueueMetricsTest {
  @Test
  void anIdleLedgerShowsNoQueuedEntries() {
    try (TestServer server = TestServer.embedded()) {
      server.admin.post("/v1/usage", "{\"subjects\":{\"user\":\"idle\"}}");

      String metrics = server.admin.get("/metrics").body();

      assertThat(metrics).contains("# TYPE quota_ledger_queued_entries gauge");
      assertThat(server.admin.metric("quota_ledger_queued_entries")).isEqualTo("0.0");
    }
  }

  @Test
  void entriesAppendedWhileTheWritersAreHeldUpAreCountedUntilWritten() throws Exception {
    PostgresSchema schema = new PostgresSchema();
    ExecutorService callers = Executors.newFixedThreadPool(5);
    Duration pastTheGuards = Duration.ofMinutes(10);
    try (TestServer server = TestServer.withLedger(schema.url(), b -> b.lockTimeout(pastTheGuards).statementTimeout(pastTheGuards));
        Connection lock = DriverManager.getConnection(schema.url())) {
      Api admin = server.admin;
      lock.setAutoCommit(false);
      try (Statement s = lock.createStatement()) {
        // Inserts wait for it; reads do not.
        s.execute("LOCK TABLE usage_entry IN SHARE MODE");
      }
      List<Future<Api.Response>> recorded = new ArrayList<>();
      // One entry for each of the two writers, each then waiting for the lock in its insert.
      for (int writer = 1; writer <= 2; writer++) {
        recorded.add(callers.submit(record(admin, "held-" + writer)));
        int held = writer;
        Polling.awaitUntil(Duration.ofSeconds(30), () -> waitingForTheLock(lock) == held);
      }
      for (int i = 0; i < 3; i++) {
        recorded.add(callers.submit(record(admin, "queued-" + i)));
      }

      // With both writers held, the last three wait on the queue.
      Polling.awaitUntil(Duration.ofSeconds(30), () -> "3.0".equals(admin.metric("quota_ledger_queued_entries")));
      assertThat(recorded).noneMatch(Future::isDone);

      lock.rollback();
      for (Future<Api.Response> r : recorded) {
        assertThat(r.get(30, TimeUnit.SECONDS).status()).isEqualTo(200);
      }
      assertThat(admin.metric("quota_ledger_queued_entries")).isEqualTo("0.0");
      assertThat(admin.metric("quota_ledger_spooled_entries")).isEqualTo("0.0");
    } finally {
      callers.shutdownNow();
      schema.drop();
    }
  }

  private static java.util.concurrent.Callable<Api.Response> record(Api admin, String user) {
    return () -> admin.post("/v1/usage", "{\"subjects\":{\"user\":\"" + user + "\"}}");
  }

  /** Sessions waiting for a lock on the usage table, which {@code lock} holds. */
  private static int waitingForTheLock(Connection lock) {
    try (Statement s = lock.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_locks WHERE relation = 'usage_entry'::regclass AND NOT granted")) {
      rs.next();
      return rs.getInt(1);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }


}
