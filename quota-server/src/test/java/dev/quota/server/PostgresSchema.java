package dev.quota.server;

import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.UUID;

/**
 * A schema of its own in the test PostgreSQL database, so runs and test classes never see each
 * other's rows; {@link #drop} removes it with everything in it.
 */
public final class PostgresSchema {
  static final String PG = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

  /** The prefix {@code qs_}, or the system property {@code quota.test.schemaPrefix} to keep runs sharing the database apart. */
  private final String name =
      System.getProperty("quota.test.schemaPrefix", "qs_") + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

  /** The database URL a server in this schema is given. */
  public String url() {
    return PG + "&currentSchema=" + name;
  }

  public void drop() {
    try (var c = DriverManager.getConnection(PG); var s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + name + " CASCADE");
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
