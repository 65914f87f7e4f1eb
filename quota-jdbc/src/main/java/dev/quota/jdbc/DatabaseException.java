package dev.quota.jdbc;

import dev.quota.QuotaException;
import java.sql.SQLException;

/**
 * The database refused or failed an operation. {@link #isConstraintViolation()} tells bad data
 * (retrying cannot help) from an unreachable or failing database (retrying later may).
 */
public final class DatabaseException extends QuotaException {
  private static final long serialVersionUID = 1L;
  private final String sqlState;

  public DatabaseException(String message, SQLException cause) {
    super(message + ": " + describe(cause), cause);
    this.sqlState = cause.getSQLState();
  }

  /** SQLSTATE of the underlying error, or null. */
  public String sqlState() {
    return sqlState;
  }

  /** True for data errors (class 22) and integrity constraint violations (class 23). */
  public boolean isConstraintViolation() {
    return isDataError(sqlState);
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
    if (e instanceof java.sql.BatchUpdateException && e.getNextException() != null) {
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
