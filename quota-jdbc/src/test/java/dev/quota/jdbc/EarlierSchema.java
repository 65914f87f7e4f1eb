package dev.quota.jdbc;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.flywaydb.core.Flyway;

/**
 * A database as an earlier version of Quota left it: the migrations up to a given one, run as that
 * version's {@link Database} ran them, in an embedded H2 database under a directory or a PostgreSQL
 * schema of its own (dropped on close). Upgrade tests write that version's rows into it, then open
 * it with this version.
 */
final class EarlierSchema implements AutoCloseable {
  private final Backend backend;
  private final Path dataDir;
  private final String schema;
  private final String url;

  EarlierSchema(Backend backend, Path dataDir) {
    this.backend = backend;
    this.dataDir = dataDir;
    this.schema = backend == Backend.H2 ? null : Backend.newSchemaName();
    this.url = backend == Backend.H2
        ? "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("quota")
            + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;WRITE_DELAY=0"
        : Backend.pgUrl(Backend.PG_URL, schema);
  }

  /** Runs the migrations up to {@code version}, and no further. */
  EarlierSchema migratedTo(String version) {
    var flyway = Flyway.configure()
        .dataSource(url, user(), password())
        .locations("classpath:db/migration",
            backend == Backend.H2 ? "classpath:db/migration-h2" : "classpath:db/migration-postgresql")
        .target(version);
    if (schema != null) {
      flyway = flyway.schemas(schema).defaultSchema(schema).createSchemas(true);
    }
    flyway.load().migrate();
    return this;
  }

  /** A plain connection, for writing what the earlier version stored. */
  Connection connect() throws SQLException {
    return DriverManager.getConnection(url, user(), password());
  }

  /** The same database as this version opens it. */
  Database open() {
    return backend == Backend.H2 ? Database.embedded(dataDir) : Database.open(url, user(), null);
  }

  private String user() {
    return backend == Backend.H2 ? "sa" : Backend.PG_USER;
  }

  private String password() {
    return backend == Backend.H2 ? "" : null;
  }

  @Override
  public void close() {
    if (schema != null) {
      Backend.dropSchema(schema);
    }
  }
}
