package dev.quota.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * The first UTC day whose raw ledger rows are not rolled up into {@code usage_daily} yet
 * ({@code ledger_state.rolled_up_before}), as this ledger last knew it: inserts add rows of earlier
 * days to their rollup too, and pruning moves it forward.
 */
final class RollupWatermark {
  /** Read on first use, so a ledger can start (and spool) while the database is down. */
  private volatile LocalDate rolledUpBefore;

  /** The watermark, read from the database on {@code c} the first time it is needed. */
  LocalDate get(Connection c) throws SQLException {
    if (rolledUpBefore == null) {
      rolledUpBefore = read(c);
    }
    return rolledUpBefore;
  }

  /**
   * The watermark as stored, remembered from now on, its row locked until {@code c}'s transaction
   * ends: a prune, which locks it to move it, waits for that transaction or it for the prune.
   * PostgreSQL's shared lock lets such readers run side by side; H2 has only the exclusive one.
   */
  LocalDate refresh(Connection c, Database.Engine engine) throws SQLException {
    rolledUpBefore = read(c, engine == Database.Engine.POSTGRESQL ? " FOR SHARE" : " FOR UPDATE");
    return rolledUpBefore;
  }

  /** Remembers the watermark a prune has just stored. */
  void set(LocalDate day) {
    rolledUpBefore = day;
  }

  /** The UTC day a ledger row belongs to, in {@code usage_entry} and in {@code usage_daily} alike. */
  static LocalDate day(Instant t) {
    return LocalDate.ofInstant(t, ZoneOffset.UTC);
  }

  /** The watermark as stored. */
  static LocalDate read(Connection c) throws SQLException {
    return read(c, "");
  }

  /** The watermark as stored, its row locked until {@code c}'s transaction ends. */
  static LocalDate readForUpdate(Connection c) throws SQLException {
    return read(c, " FOR UPDATE");
  }

  private static LocalDate read(Connection c, String lock) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT rolled_up_before FROM ledger_state WHERE id = 1" + lock);
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getObject(1, LocalDate.class);
    }
  }
}
