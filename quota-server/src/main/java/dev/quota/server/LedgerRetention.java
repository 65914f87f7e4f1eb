package dev.quota.server;

import dev.quota.jdbc.Database;
import dev.quota.jdbc.JdbcUsageLedger;
import dev.quota.jdbc.PruneResult;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Optional;

/**
 * Rolls old ledger rows up into daily totals and drops what is past retention (raw rows after the
 * configured {@code ledgerRawRetention}, 32 days by default; rollups after 13 months), on the
 * ledger's own rules.
 *
 * <p>Several servers may share one PostgreSQL, and two prunes rolling up the same days at once
 * would count them twice; a session advisory lock lets one server prune at a time and the others
 * skip that round. The embedded H2 file belongs to one process, so it needs no lock.
 */
final class LedgerRetention {
  /** An arbitrary constant that names "the ledger prune" among advisory locks. */
  private static final long LOCK_KEY = 0x71756f74615f7072L;

  private final JdbcUsageLedger ledger;
  private final Database database;
  private final Clock clock;

  LedgerRetention(JdbcUsageLedger ledger, Database database, Clock clock) {
    this.ledger = ledger;
    this.database = database;
    this.clock = clock;
  }

  /** Prunes now; empty when another server holds the prune lock. */
  Optional<PruneResult> run() {
    if (database.engine() != Database.Engine.POSTGRESQL) {
      return Optional.of(ledger.prune(clock.instant()));
    }
    try (Connection c = database.connection()) {
      if (!lock(c, "SELECT pg_try_advisory_lock(?)")) {
        return Optional.empty();
      }
      try {
        return Optional.of(ledger.prune(clock.instant()));
      } finally {
        lock(c, "SELECT pg_advisory_unlock(?)");
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot take the ledger prune lock: " + e.getMessage(), e);
    }
  }

  private static boolean lock(Connection c, String sql) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setLong(1, LOCK_KEY);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }
}
