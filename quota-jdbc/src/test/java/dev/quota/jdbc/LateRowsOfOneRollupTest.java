package dev.quota.jdbc;

import static dev.quota.jdbc.Entries.entry;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.jdbc.internal.LedgerRow;
import dev.quota.store.conformance.MutableClock;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Late rows (of a day already rolled up) for one rollup key, written by two batches at the same
 * moment, as two writers or two processes sharing the database do when a spool is replayed. Each
 * batch adds its rows to the day's {@code usage_daily} row; when that row does not exist yet both
 * would create it. On PostgreSQL one of the two creations used to fail with a unique violation,
 * failing the whole batch. Now both batches commit and the rollup holds the sum of their rows.
 * PostgreSQL only: an H2 database is written by one process, through one writer.
 */
class LateRowsOfOneRollupTest {
  private static final Instant NOW = Instant.parse("2025-03-23T09:00:00Z");
  private static final Instant LATE_AT = Instant.parse("2025-02-25T12:00:00Z");
  private static final int ROUNDS = 200;

  private final MutableClock clock = new MutableClock(NOW);

  @TempDir Path dir;

  @Test
  void twoConcurrentBatchesOfLateRowsForOneRollupBothCommitAndAddUp() throws Exception {
    try (var t = Backend.POSTGRES.open(dir);
        Database otherPool = t.openAnother()) {
      t.execute("UPDATE ledger_state SET rolled_up_before = DATE '2025-03-01' WHERE id = 1");
      // Two processes: each its own pool, retention lock and cached watermark.
      LedgerInserter a = inserter(t.db);
      LedgerInserter b = inserter(otherPool);
      ExecutorService writers = Executors.newFixedThreadPool(2);
      CyclicBarrier start = new CyclicBarrier(2);
      try {
        for (int round = 0; round < ROUNDS; round++) {
          // Both batches touch two rollups, in opposite orders, so a lock order would matter too.
          String first = "u" + round + "a";
          String second = "u" + round + "b";
          List<LedgerRow> batchA = List.of(late("a" + round + "-1", first, "0.10"), late("a" + round + "-2", second, "0.20"));
          List<LedgerRow> batchB = List.of(late("b" + round + "-1", second, "0.40"), late("b" + round + "-2", first, "0.80"));
          Future<?> fa = writers.submit(() -> insertTogether(a, batchA, start));
          Future<?> fb = writers.submit(() -> insertTogether(b, batchB, start));
          fa.get(30, TimeUnit.SECONDS);
          fb.get(30, TimeUnit.SECONDS);
        }
      } finally {
        writers.shutdownNow();
      }
      for (int round = 0; round < ROUNDS; round++) {
        assertThat(rollup(t.db, "u" + round + "a")).as("round %d", round).isEqualTo(new Rollup(new BigDecimal("0.900000000"), 2));
        assertThat(rollup(t.db, "u" + round + "b")).as("round %d", round).isEqualTo(new Rollup(new BigDecimal("0.600000000"), 2));
      }
      assertThat(t.queryLong("SELECT COUNT(*) FROM usage_entry")).isEqualTo(4L * ROUNDS);
    }
  }

  private LedgerInserter inserter(Database db) {
    return new LedgerInserter(
        db.engine(), db.dataSource(), new ReentrantReadWriteLock(), new RollupWatermark(), clock, JdbcUsageLedger.MIN_RAW_RETENTION);
  }

  private static Void insertTogether(LedgerInserter inserter, List<LedgerRow> batch, CyclicBarrier start) throws Exception {
    start.await(30, TimeUnit.SECONDS);
    inserter.insert(batch);
    return null;
  }

  private static LedgerRow late(String id, String user, String amount) {
    return LedgerRow.of(entry(id, LATE_AT, Map.of("user", user), amount, "k-" + id));
  }

  private record Rollup(BigDecimal amount, long entries) {}

  private static Rollup rollup(Database db, String user) throws SQLException {
    try (Connection c = db.connection();
        PreparedStatement ps = c.prepareStatement(
            "SELECT amount, entries FROM usage_daily WHERE usage_day = DATE '2025-02-25' AND user_id = ?")) {
      ps.setString(1, user);
      try (ResultSet rs = ps.executeQuery()) {
        List<Rollup> out = new ArrayList<>();
        while (rs.next()) {
          out.add(new Rollup(rs.getBigDecimal(1), rs.getLong(2)));
        }
        assertThat(out).hasSize(1);
        return out.get(0);
      }
    }
  }
}
