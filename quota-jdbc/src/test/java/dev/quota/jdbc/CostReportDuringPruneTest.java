package dev.quota.jdbc;

import static dev.quota.jdbc.Entries.forUser;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.MoneyTotal;
import dev.quota.jdbc.CostReports.GroupBy;
import dev.quota.jdbc.CostReports.Period;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cost report taken while a prune (the hourly one, of this server or another) commits: the report
 * read where raw rows end and rollups begin, the prune then rolled days up and deleted their raw
 * rows, and the report read those days from neither. A February that cost 3.10 was reported as
 * nothing until the next report.
 */
class CostReportDuringPruneTest {
  private static final long GUARD = 30;
  private static final Instant PRUNED_AT = Instant.parse("2025-04-02T09:00:00Z");
  @TempDir Path dir;
  private final ExecutorService callers = Executors.newCachedThreadPool();

  @AfterEach
  void stopCallers() {
    callers.shutdownNow();
  }

  @Test
  void aReportThatAPruneOvertakesStillCountsTheDaysItRolledUp() throws Exception {
    try (var t = Backend.POSTGRES.open(dir);
        var ledger = JdbcUsageLedger.builder(t.db).spoolDirectory(dir.resolve("spool")).build();
        Connection pruning = t.db.connection()) {
      ledger.append(forUser("feb1", Instant.parse("2025-02-10T08:00:00Z"), "alice", "1.10"));
      ledger.append(forUser("feb2", Instant.parse("2025-02-28T23:59:59Z"), "bob", "2.00"));
      ledger.append(forUser("mar1", Instant.parse("2025-03-30T10:00:00Z"), "alice", "0.75"));
      CostReports reports = new CostReports(t.db);
      List<CostRow> expected = List.of(
          new CostRow("2025-02", null, null, MoneyTotal.of("3.10"), 2), new CostRow("2025-03", null, null, MoneyTotal.of("0.75"), 1));
      assertThat(report(reports)).isEqualTo(expected);

      // A prune in another process, done but not yet committed, whose session also keeps the raw
      // rows from being read until it commits: the report reads the watermark, then waits.
      LedgerPruner otherProcess = new LedgerPruner(t.db, JdbcUsageLedger.MIN_RAW_RETENTION, Duration.ofDays(400),
          Duration.ofSeconds(2), new ReentrantReadWriteLock(), new RollupWatermark());
      pruning.setAutoCommit(false);
      assertThat(otherProcess.prune(pruning, PRUNED_AT).rolledUpBefore()).isEqualTo(LocalDate.parse("2025-03-01"));
      Sql.execute(pruning, "LOCK TABLE usage_entry IN ACCESS EXCLUSIVE MODE");
      Future<List<CostRow>> during = callers.submit(() -> report(reports));
      Sql.awaitUntil(() -> blockedBy(pruning) == 1, GUARD);
      pruning.commit();

      assertThat(during.get(GUARD, TimeUnit.SECONDS)).isEqualTo(expected);
      assertThat(report(reports)).isEqualTo(expected);
    }
  }

  private static List<CostRow> report(CostReports reports) {
    return reports.report(LocalDate.parse("2025-01-01"), LocalDate.parse("2025-04-01"), Period.MONTH, GroupBy.NONE, Map.of());
  }

  /** Sessions waiting for a lock that {@code holder}'s session holds. */
  private static int blockedBy(Connection holder) {
    try {
      return (int) Sql.number(holder, "SELECT COUNT(*) FROM pg_stat_activity WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))");
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
