package dev.quota.jdbc;

import static dev.quota.jdbc.RollupWatermark.day;

import dev.quota.jdbc.internal.EntrySubjects;
import dev.quota.jdbc.internal.Jdbc;
import dev.quota.jdbc.internal.LedgerColumns;
import dev.quota.jdbc.internal.LedgerRow;
import dev.quota.jdbc.internal.LedgerRows;
import dev.quota.ledger.UsageEntry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import javax.sql.DataSource;

/**
 * Inserts batches of ledger rows into {@code usage_entry}, each batch in one transaction. A row of
 * a day already rolled up (a late one, or one replayed from the spool) is added to that day's
 * {@code usage_daily} row in the same transaction, so the rollup still counts it ({@link LateRollups}).
 * An entry's subjects of scopes without a column ({@code org:acme}) go into {@code
 * usage_entry_subject} in the same transaction or statement as the entry ({@link EntrySubjects}).
 *
 * <p>Its connections are the writers' {@link BoundedPool}: a batch held up by a lock, a statement
 * that does not finish or a reply that does not come fails within bounds, as one the database
 * cannot take at all does, rather than keep every caller of the batch waiting.
 */
final class LedgerInserter {
  /** Runs of one batch after a deadlock or serialization failure before it counts as an outage. */
  private static final int TRANSIENT_ATTEMPTS = 5;
  /** How far another process's clock may run ahead of this one's, rounded up to whole days. */
  private static final Duration CLOCK_SKEW_MARGIN = Duration.ofDays(1);

  private static final String INSERT =
      "INSERT INTO usage_entry (id, at, usage_day, user_id, team_id, project_id, tool_id, provider_id,"
          + " subjects, amount, meters, reservation_id, idempotency_key, overrun, reserved_at, currency)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";

  private final Database.Engine engine;
  private final DataSource ds;
  /** The ledger's retention lock: inserts share it, so none runs while a prune builds rollups. */
  private final ReentrantReadWriteLock retentionLock;
  private final RollupWatermark watermark;
  private final Clock clock;
  private final Duration rawRetention;

  /** Inserts through {@code writers}, connections to a database of {@code engine}. */
  LedgerInserter(
      Database.Engine engine, DataSource writers, ReentrantReadWriteLock retentionLock, RollupWatermark watermark, Clock clock,
      Duration rawRetention) {
    this.engine = engine;
    this.ds = writers;
    this.retentionLock = retentionLock;
    this.watermark = watermark;
    this.clock = clock;
    this.rawRetention = rawRetention;
  }

  /**
   * One transaction: the batch, plus rollup updates for rows of days already rolled up. Two
   * writers whose batches share keys can still deadlock in the database (a key's row locked by one
   * while the other holds a key it needs); the one rolled back runs again, which is safe: it wrote
   * nothing, and no insert adds a row whose keys are taken. Only a database that keeps refusing
   * counts as unavailable.
   */
  void insert(List<LedgerRow> rows) throws SQLException {
    for (int attempt = 1; ; attempt++) {
      retentionLock.readLock().lock();
      try {
        insertLocked(rows);
        return;
      } catch (SQLException e) {
        if (attempt >= TRANSIENT_ATTEMPTS || !DatabaseException.isTransient(Jdbc.sqlState(e))) {
          throw e;
        }
      } finally {
        retentionLock.readLock().unlock();
      }
    }
  }

  private void insertLocked(List<LedgerRow> rows) throws SQLException {
    try (Connection c = ds.getConnection()) {
      boolean postgres = engine == Database.Engine.POSTGRESQL;
      // Pruning in this process waits for the retention lock this insert holds, but a prune in
      // another process moves the watermark unseen: a batch with a row of a day it may have passed
      // reads the watermark in its own transaction instead, locked so that the two take turns.
      LocalDate earliest = earliestDay(rows);
      boolean mayBeRolledUpElsewhere =
          earliest != null && earliest.isBefore(day(clock.instant().minus(rawRetention).plus(CLOCK_SKEW_MARGIN)));
      if (postgres && earliest != null && !mayBeRolledUpElsewhere && !earliest.isBefore(watermark.get(c))) {
        // The usual case: one statement that commits itself, a single round trip per batch.
        LedgerColumns.insertCommitted(c, rows);
        return;
      }
      c.setAutoCommit(false);
      try {
        LocalDate rolledUpBefore = mayBeRolledUpElsewhere ? watermark.refresh(c, engine) : watermark.get(c);
        List<LedgerRow> current = new ArrayList<>(rows.size());
        List<LedgerRow> late = new ArrayList<>();
        for (LedgerRow r : rows) {
          if (day(r.entry().at()).isBefore(rolledUpBefore)) {
            late.add(r);
          } else {
            current.add(r);
          }
        }
        if (current.size() > 1 && postgres) {
          LedgerColumns.insert(c, current);
          current = List.of();
        }
        // The rows this transaction inserted, whose subjects without a column it writes too.
        List<LedgerRow> inserted = new ArrayList<>(current.size() + late.size());
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
          if (current.size() == 1) {
            // A lone row is a plain update: its error message names the constraint directly.
            bind(ps, current.get(0));
            if (ps.executeUpdate() == 1) {
              inserted.add(current.get(0));
            }
          } else if (!current.isEmpty()) {
            for (LedgerRow r : current) {
              bind(ps, r);
              ps.addBatch();
            }
            int[] counts = ps.executeBatch();
            for (int i = 0; i < counts.length; i++) {
              if (counts[i] == 1) {
                inserted.add(current.get(i));
              }
            }
          }
          LateRollups rollups = new LateRollups();
          for (LedgerRow r : late) {
            bind(ps, r);
            if (ps.executeUpdate() == 1) {
              rollups.add(r.entry());
              inserted.add(r);
            }
          }
          rollups.write(c, engine);
        }
        EntrySubjects.insert(c, inserted);
        c.commit();
      } catch (SQLException | RuntimeException e) {
        Jdbc.rollbackQuietly(c, e);
        throw e;
      }
    }
  }

  /** The day of the batch's earliest row, null for none: one pass, one date, whatever the batch's size. */
  private static LocalDate earliestDay(List<LedgerRow> rows) {
    Instant earliest = null;
    for (LedgerRow r : rows) {
      Instant at = r.entry().at();
      if (earliest == null || at.isBefore(earliest)) {
        earliest = at;
      }
    }
    return earliest == null ? null : day(earliest);
  }

  private static void bind(PreparedStatement ps, LedgerRow r) throws SQLException {
    UsageEntry e = r.entry();
    Map<String, String> s = e.subjects();
    ps.setString(1, e.id());
    Jdbc.setInstant(ps, 2, e.at());
    ps.setObject(3, day(e.at()));
    int i = 4;
    for (String scope : LedgerRows.COLUMN_SCOPES) {
      ps.setString(i++, s.get(scope));
    }
    ps.setString(9, r.subjectsText());
    ps.setBigDecimal(10, LedgerRows.decimal(e.amount()));
    ps.setString(11, r.metersJson());
    ps.setString(12, e.reservationId());
    ps.setString(13, e.idempotencyKey());
    ps.setBigDecimal(14, LedgerRows.decimal(e.overrun()));
    Jdbc.setInstant(ps, 15, e.reservedAt());
    ps.setString(16, e.currency());
  }
}
