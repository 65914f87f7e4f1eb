package dev.quota.server;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.h2.api.Trigger;

/** An H2 trigger that fails every write it is fired for, as a failing database would. */
public final class RefusingTrigger implements Trigger {
  /** A fault made in a database, removed on close. */
  public interface Fault extends AutoCloseable {
    @Override
    void close() throws SQLException;
  }

  @Override
  public void fire(Connection connection, Object[] oldRow, Object[] newRow) throws SQLException {
    throw new SQLException("writes to this table are refused");
  }

  /**
   * Makes the embedded database of a server running on {@code dataDir} fail every write to
   * {@code table} until the fault is closed.
   */
  public static Fault onEmbedded(Path dataDir, String table) throws SQLException {
    String url = "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("quota")
        + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;WRITE_DELAY=0";
    String name = "refuse_" + table;
    execute(url, "CREATE TRIGGER " + name + " BEFORE INSERT, UPDATE, DELETE ON " + table
        + " FOR EACH ROW CALL '" + RefusingTrigger.class.getName() + "'");
    return () -> execute(url, "DROP TRIGGER IF EXISTS " + name);
  }

  private static void execute(String url, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(url, "sa", ""); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
