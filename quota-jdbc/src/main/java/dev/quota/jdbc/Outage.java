package dev.quota.jdbc;

import dev.quota.jdbc.internal.Jdbc;
import java.nio.file.Path;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the ledger's database is away, as its writers last found it, and when they may try it
 * again. While it is away and no probe is due, writers spool a batch at once instead of waiting
 * on a database that does not answer. A database that answers but held a batch up past the
 * writers' bounds (a lock another session keeps, a statement that does not finish) counts as away
 * too: the writers would only be held up again.
 */
final class Outage {
  // Under the ledger's name, as before these lines moved here, so log settings keep applying.
  private static final Logger log = LoggerFactory.getLogger(JdbcUsageLedger.class);

  private final Database database;
  private final BoundedPool writers;
  private final long probeIntervalNanos;
  private final Path spoolFile;
  private volatile boolean degraded;
  private volatile long nextProbeNanos;

  Outage(Database database, BoundedPool writers, long probeIntervalNanos, Path spoolFile) {
    this.database = database;
    this.writers = writers;
    this.probeIntervalNanos = probeIntervalNanos;
    this.spoolFile = spoolFile;
  }

  /** True while the database is away and the next probe is not due: a batch goes to the spool. */
  boolean spoolsDirectly() {
    return degraded && System.nanoTime() < nextProbeNanos;
  }

  /** True once the probe interval since the last failure has passed. */
  boolean probeDue() {
    return System.nanoTime() >= nextProbeNanos;
  }

  /** The database took a write or a replay. */
  void recovered() {
    degraded = false;
  }

  /** The database failed {@code e}: warns once per outage and puts off the next try by the probe interval. */
  void markDegraded(Exception e) {
    if (!degraded) {
      log.warn("ledger database unavailable, spooling to {}: {}", spoolFile, e.getMessage());
    }
    degraded = true;
    if (!gaveUpOnAnswer(e)) {
      database.evictIdleConnections();
      writers.evictIdleConnections();
    }
    nextProbeNanos = System.nanoTime() + probeIntervalNanos;
  }

  /**
   * True when the database answered that it gave up on the statement (a lock or statement
   * timeout: SQLSTATE 55P03 or 57014, HYT00 on H2): the connections are sound, and replacing them
   * at every probe while a lock lasts would only open new sessions for nothing.
   */
  private static boolean gaveUpOnAnswer(Exception e) {
    if (!(e instanceof SQLException s)) {
      return false;
    }
    String state = Jdbc.sqlState(s);
    return DatabaseException.isLockTimeout(state) || DatabaseException.isCancelled(state);
  }
}
