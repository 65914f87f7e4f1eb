package dev.quota.jdbc.internal;

import com.zaxxer.hikari.HikariDataSource;
import dev.quota.jdbc.DatabaseException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import javax.sql.DataSource;

/** Transactions and the few conversions every repository needs, in one place. */
public final class Jdbc {
  private Jdbc() {}

  /**
   * Retires {@code pool}'s connections that are idle now, so the next attempt after an outage opens
   * a fresh connection instead of failing once more on a dead one.
   */
  public static void evictIdleConnections(HikariDataSource pool) {
    var bean = pool.getHikariPoolMXBean();
    if (bean != null) {
      bean.softEvictConnections();
    }
  }

  /** Work on a connection inside a transaction. */
  @FunctionalInterface
  public interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  /**
   * Runs {@code work} in one transaction: committed if it returns, rolled back if it throws, so a
   * change and its audit row land together or not at all.
   *
   * @throws DatabaseException wrapping any SQL failure, after the rollback
   */
  public static <T> T inTransaction(DataSource ds, String what, Work<T> work) {
    // The pool restores auto-commit when the connection is returned.
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        rollbackQuietly(c, e);
        throw e;
      }
    } catch (SQLException e) {
      throw new DatabaseException(what + " failed", e);
    }
  }

  /** Runs read-only {@code work} on an auto-commit connection. */
  public static <T> T read(DataSource ds, String what, Work<T> work) {
    try (Connection c = ds.getConnection()) {
      return work.run(c);
    } catch (SQLException e) {
      throw new DatabaseException(what + " failed", e);
    }
  }

  /** Rolls back after {@code cause}; a failing rollback is suppressed into it, so the cause is what is thrown. */
  public static void rollbackQuietly(Connection c, Exception cause) {
    try {
      c.rollback();
    } catch (SQLException r) {
      cause.addSuppressed(r);
    }
  }

  /** {@code d} in whole seconds, rounded up, the unit in which JDBC drivers take timeouts. */
  public static long secondsRoundedUp(Duration d) {
    return d.toSeconds() + (d.toNanosPart() == 0 ? 0 : 1);
  }

  /** Both engines keep microseconds; truncating here makes what is read back equal what is stored. */
  public static Instant micros(Instant t) {
    return t.truncatedTo(ChronoUnit.MICROS);
  }

  /** Binds {@code args} to parameters 1, 2, ... in order, instants as UTC timestamps ({@link #setInstant}). */
  public static void bind(PreparedStatement ps, List<?> args) throws SQLException {
    for (int i = 0; i < args.size(); i++) {
      Object a = args.get(i);
      if (a instanceof Instant t) {
        setInstant(ps, i + 1, t);
      } else {
        ps.setObject(i + 1, a);
      }
    }
  }

  public static void setInstant(PreparedStatement ps, int i, Instant t) throws SQLException {
    if (t == null) {
      ps.setObject(i, null);
    } else {
      ps.setObject(i, OffsetDateTime.ofInstant(micros(t), ZoneOffset.UTC));
    }
  }

  public static Instant getInstant(ResultSet rs, String column) throws SQLException {
    OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
    return t == null ? null : t.toInstant();
  }

  /** The first SQLSTATE in the exception chain: drivers wrap batch failures differently. */
  public static String sqlState(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s) {
        if (s.getSQLState() != null) {
          return s.getSQLState();
        }
        if (s.getNextException() != null && s.getNextException().getSQLState() != null) {
          return s.getNextException().getSQLState();
        }
      }
    }
    return null;
  }

  /** Escapes {@code %}, {@code _} and {@code \} for {@code LIKE ... ESCAPE '\'}. */
  public static String likeLiteral(String s) {
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
  }
}
