package dev.quota.jdbc;

import static dev.quota.jdbc.Entries.forUser;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.MoneyTotal;
import dev.quota.jdbc.CostReports.GroupBy;
import dev.quota.jdbc.CostReports.Period;
import dev.quota.store.conformance.MutableClock;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Two ledgers on one database, as two processes sharing it: each caches the rollup watermark, and
 * a prune by one moves it without the other knowing. A row the other then writes for a day the
 * prune rolled up still counts exactly once in reports, and recent rows never wait for a prune.
 */
class LateRowAcrossProcessesTest {
  private static final Duration RAW_RETENTION = Duration.ofDays(32);
  private static final Instant T0 = Instant.parse("2025-03-23T09:00:00Z");
  private static final LocalDate LATE_DAY = LocalDate.parse("2025-02-25");
  private static final Instant LATE_AT = Instant.parse("2025-02-25T12:00:00Z");

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(T0);

  private JdbcUsageLedger ledger(Database db, String spool) {
    return JdbcUsageLedger.builder(db).spoolDirectory(dir.resolve(spool)).rawRetention(RAW_RETENTION).clock(clock).build();
  }

  private static List<CostRow> lateDay(CostReports reports) {
    return reports.report(LATE_DAY, LATE_DAY.plusDays(1), Period.DAY, GroupBy.USER, Map.of());
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aRowForADayAnotherProcessRolledUpCountsOnce(Backend backend) {
    try (var t = backend.open(dir);
        Database otherPool = t.openAnother();
        var a = ledger(t.db, "spool-a");
        var b = ledger(otherPool, "spool-b")) {
      var reports = new CostReports(t.db);
      assertThat(a.prune(clock.instant()).rolledUpBefore()).isEqualTo(LocalDate.parse("2025-02-19"));
      b.append(forUser("current", T0, "bob", "1")); // b now holds 2025-02-19 as the watermark

      clock.advance(Duration.ofDays(10));
      assertThat(a.prune(clock.instant()).rolledUpBefore()).isEqualTo(LocalDate.parse("2025-03-01"));
      // Between the watermark b knows and the one a just stored: a spooled row replayed late, say.
      var late = forUser("late", LATE_AT, "alice", "0.40");
      b.append(late);
      b.append(late);

      List<CostRow> once = List.of(new CostRow("2025-02-25", "alice", null, MoneyTotal.of("0.40"), 1));
      assertThat(lateDay(reports)).isEqualTo(once);

      // a's next prune deletes the raw row; its day's rollup keeps it.
      clock.advance(Duration.ofDays(10));
      assertThat(a.prune(clock.instant()).rolledUpBefore()).isEqualTo(LocalDate.parse("2025-03-11"));
      assertThat(t.queryLong("SELECT COUNT(*) FROM usage_entry WHERE usage_day = DATE '2025-02-25'")).isZero();
      assertThat(lateDay(reports)).isEqualTo(once);
    }
  }

  /**
   * A prune elsewhere holds the watermark's row while it runs. Rows of recent days, the usual case,
   * are written meanwhile without reading it (on PostgreSQL in the single statement of the fast
   * path); were they to wait for it, they would time out as an outage on H2 and be spooled, and on
   * PostgreSQL hang until the guard's timeout.
   */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void recentRowsDoNotWaitForAPruneElsewhere(Backend backend) throws Exception {
    clock.advance(Duration.ofDays(10));
    try (var t = backend.open(dir);
        var ledger = ledger(t.db, "spool");
        Connection prune = t.db.connection()) {
      holdWatermark(prune, "2025-03-01");
      ExecutorService callers = Executors.newFixedThreadPool(4);
      try {
        List<Future<?>> appends = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
          // 31 days old: the oldest day no prune elsewhere can have passed, with a day for clock skew.
          var e = forUser("recent-" + i, clock.instant().minus(Duration.ofDays(31)).plusSeconds(i), "u" + i % 3, "0.01");
          appends.add(callers.submit(() -> ledger.append(e)));
        }
        for (Future<?> f : appends) {
          f.get(30, TimeUnit.SECONDS);
        }
      } finally {
        prune.rollback();
        callers.shutdown();
      }
      assertThat(ledger.spooledEntries()).isZero();
      assertThat(t.queryLong("SELECT COUNT(*) FROM usage_entry")).isEqualTo(20);
    }
  }

  /**
   * A row of a day a prune elsewhere may pass waits for that prune's transaction, then sees the
   * watermark it stored and goes to the rollup. PostgreSQL only: H2 gives up on a lock after a
   * second, which would make the outcome depend on how fast the test commits.
   */
  @Test
  void anOldRowWaitsForAPruneElsewhereAndCountsOnce() throws Exception {
    clock.advance(Duration.ofDays(10));
    try (var t = Backend.POSTGRES.open(dir);
        var ledger = ledger(t.db, "spool");
        Connection prune = t.db.connection()) {
      ledger.append(forUser("current", clock.instant(), "bob", "1")); // the ledger now holds 1970-01-01
      holdWatermark(prune, "2025-03-01");
      CompletableFuture<Void> late = CompletableFuture.runAsync(() -> ledger.append(forUser("late", LATE_AT, "alice", "0.40")));
      try {
        awaitBlockedBy(prune);
        assertThat(late).isNotDone();
        prune.commit();
      } finally {
        prune.rollback();
      }
      late.get(30, TimeUnit.SECONDS);
      assertThat(lateDay(new CostReports(t.db))).containsExactly(new CostRow("2025-02-25", "alice", null, MoneyTotal.of("0.40"), 1));
    }
  }

  /** Locks and moves the watermark in {@code c}'s open transaction, as a prune in another process does. */
  private static void holdWatermark(Connection c, String rolledUpBefore) throws SQLException {
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      s.executeQuery("SELECT rolled_up_before FROM ledger_state WHERE id = 1 FOR UPDATE").close();
      s.executeUpdate("UPDATE ledger_state SET rolled_up_before = DATE '" + rolledUpBefore + "' WHERE id = 1");
    }
  }

  /** Returns once some session waits for a lock {@code holder} holds; fails after 30 s. */
  private static void awaitBlockedBy(Connection holder) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    try (Statement s = holder.createStatement()) {
      while (true) {
        try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM pg_stat_activity WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))")) {
          rs.next();
          if (rs.getLong(1) > 0) {
            return;
          }
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError("no session waited for the watermark's lock within 30 s");
        }
        Thread.onSpinWait();
      }
    }
  }
}
