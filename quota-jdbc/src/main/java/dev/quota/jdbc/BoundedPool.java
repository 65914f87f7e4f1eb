package dev.quota.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.quota.jdbc.internal.Jdbc;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * A pool of its own for the ledger's writers, whose sessions give up instead of waiting: a wait for
 * a lock ends after the lock timeout, a statement after the statement timeout, and on PostgreSQL a
 * reply that never comes (a server that stopped, a network that drops packets) after the socket
 * timeout. Each ends in an {@link java.sql.SQLException} that is not a data error (SQLSTATE 55P03
 * or 57014, class 08 for the lost connection; HYT00 or 57014 on H2), which the ledger handles as
 * an outage: it spools.
 *
 * <p>The bounds are session settings, set once as each connection opens, so they cost no round
 * trip per batch. They need a pool of their own because they are tighter than the shared pool's
 * ({@link Database.Bounds}), whose reports may legitimately run long. A pool of their own also
 * keeps the writers from waiting for a connection other callers hold.
 *
 * <p>On PostgreSQL these are {@code lock_timeout}, {@code statement_timeout} and the driver's
 * {@code socketTimeout}; without them a write waits for as long as any other session holds a lock
 * on the ledger's tables. On H2 they are {@code LOCK_TIMEOUT} (H2's own default is the same 2 s)
 * and {@code QUERY_TIMEOUT}; the embedded database has no socket to time out.
 */
final class BoundedPool implements AutoCloseable {
  /**
   * How much longer than the statement timeout a reply may take before the connection counts as
   * lost: a server that gives up on a statement answers at once, so only a server or a network
   * that no longer answers at all waits this long.
   */
  static final Duration REPLY_MARGIN = Duration.ofSeconds(5);

  private final HikariDataSource dataSource;

  private BoundedPool(HikariDataSource dataSource) {
    this.dataSource = dataSource;
  }

  /**
   * Opens a pool of at most {@code size} connections to {@code database} whose every lock wait
   * ends after {@code lockTimeout} and every statement after {@code statementTimeout}. It opens
   * even while the database is down, as a ledger must (it spools until the database is back).
   */
  static BoundedPool open(Database database, String purpose, int size, Duration lockTimeout, Duration statementTimeout) {
    HikariConfig config = database.poolSettings(purpose, size);
    config.setConnectionInitSql(initSql(database.engine(), lockTimeout, statementTimeout));
    if (database.engine() == Database.Engine.POSTGRESQL) {
      config.addDataSourceProperty("socketTimeout", Long.toString(socketTimeoutSeconds(statementTimeout)));
    }
    // Connections are made in the background; a writer that finds none within the connection timeout spools.
    config.setInitializationFailTimeout(-1);
    return new BoundedPool(new HikariDataSource(config));
  }

  /** The statement each new connection runs first, setting the session's bounds in milliseconds. */
  static String initSql(Database.Engine engine, Duration lockTimeout, Duration statementTimeout) {
    return engine == Database.Engine.POSTGRESQL
        ? "SET lock_timeout = " + lockTimeout.toMillis() + "; SET statement_timeout = " + statementTimeout.toMillis()
        : "SET LOCK_TIMEOUT " + lockTimeout.toMillis() + "; SET QUERY_TIMEOUT " + statementTimeout.toMillis();
  }

  /** The statement timeout plus {@link #REPLY_MARGIN}, in whole seconds as the driver takes it, rounded up. */
  static long socketTimeoutSeconds(Duration statementTimeout) {
    return Jdbc.secondsRoundedUp(statementTimeout.plus(REPLY_MARGIN));
  }

  DataSource dataSource() {
    return dataSource;
  }

  /** As {@link Database#evictIdleConnections}: the next attempt after an outage opens a fresh connection. */
  void evictIdleConnections() {
    Jdbc.evictIdleConnections(dataSource);
  }

  @Override
  public void close() {
    dataSource.close();
  }
}
