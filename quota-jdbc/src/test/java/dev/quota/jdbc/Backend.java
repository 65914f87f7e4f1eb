package dev.quota.jdbc;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The two engines every repository test runs against: an H2 file database in a temporary
 * directory, and the real PostgreSQL on 127.0.0.1:5432 in a schema of its own that is dropped
 * afterwards.
 */
public enum Backend {
  H2,
  POSTGRES;

  public static final String PG_URL = "jdbc:postgresql://127.0.0.1:5432/test";
  public static final String PG_USER = "postgres";

  /** A fresh, migrated database; closing it also drops a PostgreSQL schema. */
  public TestDb open(Path tempDir) {
    if (this == H2) {
      return new TestDb(() -> Database.embedded(tempDir.resolve("data")), null);
    }
    String schema = newSchemaName();
    return new TestDb(() -> Database.open(pgUrl(PG_URL, schema), PG_USER, null), schema);
  }

  /**
   * A schema name no other test run uses: the prefix {@code quota_test_} (or the system property
   * {@code quota.test.schemaPrefix}, to keep runs that share the database apart) and a random part.
   */
  public static String newSchemaName() {
    return System.getProperty("quota.test.schemaPrefix", "quota_test_")
        + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  }

  public static String pgUrl(String base, String schema) {
    return base + "?currentSchema=" + schema;
  }

  public static void dropSchema(String schema) {
    try (Connection c = DriverManager.getConnection(PG_URL, PG_USER, null);
        Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    } catch (SQLException e) {
      throw new IllegalStateException("cannot drop test schema " + schema, e);
    }
  }

  /** A database under test; {@link #close} releases it and removes what the test created. */
  public static final class TestDb implements AutoCloseable {
    public final Database db;
    public final String schema;
    private final Supplier<Database> opener;

    TestDb(Supplier<Database> opener, String schema) {
      this.db = opener.get();
      this.schema = schema;
      this.opener = opener;
    }

    /**
     * Another pool on the same database, as a second process sharing it would have (H2 shares one
     * open database within a JVM); the caller closes it before this.
     */
    public Database openAnother() {
      return opener.get();
    }

    /** Runs raw SQL as the test's own hand on the database, e.g. to count rows or add a constraint. */
    public long queryLong(String sql) {
      try (Connection c = db.connection();
          Statement s = c.createStatement();
          var rs = s.executeQuery(sql)) {
        rs.next();
        return rs.getLong(1);
      } catch (SQLException e) {
        throw new IllegalStateException(sql, e);
      }
    }

    public void execute(String sql) {
      try (Connection c = db.connection();
          Statement s = c.createStatement()) {
        s.execute(sql);
      } catch (SQLException e) {
        throw new IllegalStateException(sql, e);
      }
    }

    @Override
    public void close() {
      db.close();
      if (schema != null) {
        dropSchema(schema);
      }
    }
  }
}
