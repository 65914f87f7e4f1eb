package dev.quota.jdbc;

import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the ledger's database is away, as its writers last found it, and when they may try it
 * again. While it is away and no probe is due, writers spool a batch at once instead of waiting
 * on a database that does not answer.
 */
final class Outage {
  // Under the ledger's name, as before these lines moved here, so log settings keep applying.
  private static final Logger log = LoggerFactory.getLogger(JdbcUsageLedger.class);

  private final Database database;
  private final long probeIntervalNanos;
  private final Path spoolFile;
  private volatile boolean degraded;
  private volatile long nextProbeNanos;

  Outage(Database database, long probeIntervalNanos, Path spoolFile) {
    this.database = database;
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
    database.evictIdleConnections();
    nextProbeNanos = System.nanoTime() + probeIntervalNanos;
  }
}
