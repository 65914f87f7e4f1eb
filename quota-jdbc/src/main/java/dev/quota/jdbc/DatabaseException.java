package dev.quota.jdbc;

import dev.quota.QuotaException;
import java.sql.BatchUpdateException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;

/**
 * The database refused or failed an operation. {@link #isConstraintViolation()} tells bad data
 * (retrying cannot help) from an unreachable or failing database (retrying later may),
 * {@link #isUnreachable()} tells a database that could not be reached at all, and {@link #isBusy()}
 * and {@link #isCancelled()} one that answered but held the operation up past a bound.
 */
public final class DatabaseException extends QuotaException {
  private static final long serialVersionUID = 1L;
  private final String sqlState;
  private final boolean unreachable;

  public DatabaseException(String message, SQLException cause) {
    super(message + ": " + describe(cause), cause);
    this.sqlState = cause.getSQLState();
    this.unreachable = isConnectionFailure(cause);
  }

  /** SQLSTATE of the underlying error, or null. */
  public String sqlState() {
    return sqlState;
  }

  /** True for data errors (class 22) and integrity constraint violations (class 23). */
  public boolean isConstraintViolation() {
    return isDataError(sqlState);
  }

  /**
   * True when no connection could be had or the one in use was lost: the pool timed out waiting
   * for one, a connection failure (SQLSTATE class 08), or the server shutting down or refusing
   * connections (57P01 to 57P03). Retrying once the database is back may succeed.
   */
  public boolean isUnreachable() {
    return unreachable;
  }

  /**
   * True when the database gave up on the operation to let a conflicting one go on: it waited too
   * long for a lock (H2's lock timeout, HYT00; PostgreSQL's {@code lock_timeout}, 55P03), or rolled
   * the transaction back as a deadlock or serialization failure ({@link #isTransient}). Nothing was
   * written, and the same operation may succeed once the other one is done.
   */
  public boolean isBusy() {
    return isLockTimeout(sqlState) || isTransient(sqlState);
  }

  /**
   * True when the statement was cancelled before it finished (SQLSTATE 57014): it ran, or waited,
   * past a statement timeout (the shared pool's bound, or a statement's own), or an operator
   * cancelled it. Its transaction is rolled back, so nothing was written.
   */
  public boolean isCancelled() {
    return isCancelled(sqlState);
  }

  /** A wait for a lock that ran out: H2's lock timeout (HYT00), PostgreSQL's {@code lock_timeout} (55P03). */
  public static boolean isLockTimeout(String sqlState) {
    return "HYT00".equals(sqlState) || "55P03".equals(sqlState);
  }

  /** A statement cancelled before it finished (57014): see {@link #isCancelled()}. */
  public static boolean isCancelled(String sqlState) {
    return "57014".equals(sqlState);
  }

  private static boolean isConnectionFailure(SQLException e) {
    // The pool's timeout carries the SQLSTATE of its last failed attempt, which may be any: its type says it.
    if (e instanceof SQLTransientConnectionException || e instanceof SQLNonTransientConnectionException) {
      return true;
    }
    String state = e.getSQLState();
    return state != null && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03"));
  }

  public static boolean isDataError(String sqlState) {
    return sqlState != null && (sqlState.startsWith("22") || sqlState.startsWith("23"));
  }

  /**
   * A deadlock or a serialization failure: the database rolled the transaction back to let another
   * finish, and it may simply run again.
   */
  public static boolean isTransient(String sqlState) {
    return "40P01".equals(sqlState) || "40001".equals(sqlState);
  }

  private static String describe(SQLException e) {
    // A batch failure's own message is the statement; the reason is in the next exception.
    if (e instanceof BatchUpdateException && e.getNextException() != null) {
      e = e.getNextException();
    }
    String msg = e.getMessage();
    if (msg != null) {
      int nl = msg.indexOf('\n');
      msg = nl > 0 ? msg.substring(0, nl) : msg;
    }
    return msg + (e.getSQLState() == null ? "" : " (SQLSTATE " + e.getSQLState() + ")");
  }
}
