package dev.quota.jdbc;

import static dev.quota.jdbc.RollupWatermark.day;

import dev.quota.ValidationException;
import dev.quota.jdbc.internal.Jdbc;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import javax.sql.DataSource;

/**
 * The ledger's retention: folds raw rows of whole UTC days older than the raw retention into
 * {@code usage_daily}, and their subjects of scopes without a column into {@code usage_daily_subject},
 * deletes them (and those subjects in {@code usage_entry_subject}) and moves the rollup watermark
 * past them, and deletes rollups of both kinds older than the rollup retention.
 */
final class LedgerPruner {
  private final DataSource ds;
  /**
   * On PostgreSQL, bounds the prune's lock waits and lifts the shared pool's statement bound for
   * its transaction: rolling up and deleting a day of a big ledger is work that may take longer
   * than a read may. Null where the database bounds lock waits itself and statements not at all (H2).
   */
  private final String transactionBounds;
  private final Duration rawRetention;
  private final Duration rollupRetention;
  /** The ledger's retention lock: a prune takes it alone, so no insert runs while rollups are built. */
  private final ReentrantReadWriteLock retentionLock;
  private final RollupWatermark rolledUpBefore;

  LedgerPruner(
      Database database,
      Duration rawRetention,
      Duration rollupRetention,
      Duration lockTimeout,
      ReentrantReadWriteLock retentionLock,
      RollupWatermark rolledUpBefore) {
    this.ds = database.dataSource();
    this.transactionBounds = database.engine() == Database.Engine.POSTGRESQL
        ? "SET LOCAL lock_timeout = " + lockTimeout.toMillis() + "; SET LOCAL statement_timeout = 0"
        : null;
    this.rawRetention = rawRetention;
    this.rollupRetention = rollupRetention;
    this.retentionLock = retentionLock;
    this.rolledUpBefore = rolledUpBefore;
  }

  /**
   * See {@link JdbcUsageLedger#prune}. Inserts wait while it runs, so no late row races with the
   * rollup; it waits for each lock it needs at most the ledger's lock timeout, so they never wait
   * on another session's lock through it.
   *
   * @throws DatabaseException if it failed or gave up on a lock (nothing changed)
   */
  PruneResult prune(Instant now) {
    ValidationException.require(now != null, "now", "is required");
    retentionLock.writeLock().lock();
    try {
      return Jdbc.inTransaction(ds, "pruning the ledger", c -> prune(c, now));
    } finally {
      retentionLock.writeLock().unlock();
    }
  }

  /** The prune's work in {@code c}'s transaction, which the caller commits or rolls back. */
  PruneResult prune(Connection c, Instant now) throws SQLException {
    if (transactionBounds != null) {
      // Writes in this process wait for the prune (the retention lock): one stuck behind another
      // session's lock would hold them all. It gives up instead and runs again next time.
      try (Statement s = c.createStatement()) {
        s.execute(transactionBounds);
      }
    }
    LocalDate cutoff = day(now.minus(rawRetention));
    // Locking the watermark row serializes prunes from several processes on one database, and
    // inserts of rows old enough to be rolled up with them (see LedgerInserter).
    LocalDate watermark = RollupWatermark.readForUpdate(c);
    long rawDeleted = 0;
    if (cutoff.isAfter(watermark)) {
      String dims = "COALESCE(user_id, ''), COALESCE(team_id, ''), COALESCE(project_id, ''),"
          + " COALESCE(tool_id, ''), COALESCE(provider_id, ''), COALESCE(currency, '')";
      try (PreparedStatement ps =
          c.prepareStatement(
              "INSERT INTO usage_daily"
                  + " (usage_day, user_id, team_id, project_id, tool_id, provider_id, currency, amount, entries)"
                  + " SELECT usage_day, " + dims + ", SUM(amount), COUNT(*) FROM usage_entry"
                  + " WHERE usage_day >= ? AND usage_day < ? GROUP BY usage_day, " + dims)) {
        ps.setObject(1, watermark);
        ps.setObject(2, cutoff);
        ps.executeUpdate();
      }
      // Their subjects without a column, per scope, identifier, tool, provider and currency, so
      // reports on those scopes reach back as far as on the built-in ones.
      String entryDims = "COALESCE(u.tool_id, ''), COALESCE(u.provider_id, ''), COALESCE(u.currency, '')";
      try (PreparedStatement ps =
          c.prepareStatement(
              "INSERT INTO usage_daily_subject"
                  + " (usage_day, scope, subject_id, tool_id, provider_id, currency, amount, entries)"
                  + " SELECT s.usage_day, s.scope, s.subject_id, " + entryDims + ", SUM(u.amount), COUNT(*)"
                  + " FROM usage_entry_subject s JOIN usage_entry u ON u.id = s.entry_id"
                  + " WHERE s.usage_day >= ? AND s.usage_day < ?"
                  + " GROUP BY s.usage_day, s.scope, s.subject_id, " + entryDims)) {
        ps.setObject(1, watermark);
        ps.setObject(2, cutoff);
        ps.executeUpdate();
      }
      // Entries and their subjects without a column go together: neither outlives the other.
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM usage_entry_subject WHERE usage_day < ?")) {
        ps.setObject(1, cutoff);
        ps.executeUpdate();
      }
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM usage_entry WHERE usage_day < ?")) {
        ps.setObject(1, cutoff);
        rawDeleted = ps.executeUpdate();
      }
      try (PreparedStatement ps = c.prepareStatement("UPDATE ledger_state SET rolled_up_before = ? WHERE id = 1")) {
        ps.setObject(1, cutoff);
        ps.executeUpdate();
      }
      watermark = cutoff;
    }
    LocalDate rollupCutoff = day(now.minus(rollupRetention));
    long rollupsDeleted;
    try (PreparedStatement ps = c.prepareStatement("DELETE FROM usage_daily WHERE usage_day < ?")) {
      ps.setObject(1, rollupCutoff);
      rollupsDeleted = ps.executeUpdate();
    }
    try (PreparedStatement ps = c.prepareStatement("DELETE FROM usage_daily_subject WHERE usage_day < ?")) {
      ps.setObject(1, rollupCutoff);
      ps.executeUpdate();
    }
    rolledUpBefore.set(watermark);
    return new PruneResult(watermark, rawDeleted, rollupsDeleted);
  }
}
