package dev.quota.server;

import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.UUID;

/**
 * A PostgreSQL database of a test's own that the test can take away as an outage would (new
 * connections refused, open ones ended) and give back; {@link #close} drops it.
 */
public final class OutagePostgres implements AutoCloseable {
  private static final String POSTGRES = "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres";

  private final String name;

  private OutagePostgres(String name) {
    this.name = name;
  }

  /** Creates a database named {@code prefix} and a random suffix. */
  public static OutagePostgres create(String prefix) throws SQLException {
    OutagePostgres db = new OutagePostgres(prefix + UUID.randomUUID().toString().replace("-", "").substring(0, 12));
    sql("CREATE DATABASE " + db.name);
    return db;
  }

  /** The JDBC URL without credentials; the user is {@code postgres}, with trust authentication. */
  public String url() {
    return "jdbc:postgresql://127.0.0.1:5432/" + name;
  }

  public String urlWithUser() {
    return url() + "?user=postgres";
  }

  public void takeAway() throws SQLException {
    sql("ALTER DATABASE " + name + " ALLOW_CONNECTIONS false");
    sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + name + "'");
  }

  public void giveBack() throws SQLException {
    sql("ALTER DATABASE " + name + " ALLOW_CONNECTIONS true");
  }

  @Override
  public void close() throws SQLException {
    giveBack();
    sql("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  }

  private static void sql(String statement) throws SQLException {
    try (var c = DriverManager.getConnection(POSTGRES); var s = c.createStatement()) {
      s.execute(statement);
    }
  }
}
