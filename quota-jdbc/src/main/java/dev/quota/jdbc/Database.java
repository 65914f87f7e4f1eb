package dev.quota.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.quota.jdbc.internal.Jdbc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.api.MigrationVersion;
import org.h2.api.ErrorCode;

/**
 * A pooled connection to the Quota database, migrated to the current schema on open.
 *
 * <p>Two engines share one schema: an H2 file database in a data directory ({@link #embedded}, the
 * zero-setup default) and PostgreSQL ({@link #open}). A PostgreSQL URL may carry
 * {@code currentSchema=name} (lowercase letters, digits and underscores); the schema is then
 * created if missing and every table lives in it, which lets several installations (or test runs)
 * share one database.
 *
 * <p>On PostgreSQL the shared pool's sessions are bounded ({@link Bounds}): reports, history,
 * listings and the ledger's sums answer HTTP requests, and one held up behind another session's
 * lock or by a statement that does not finish would otherwise keep its request, its thread and a
 * pooled connection for as long, until the pool ran dry. Migrations run on an unbounded session of
 * their own, and a prune lifts the statement bound for its transaction.
 */
public final class Database implements AutoCloseable {
  /** Which engine is behind the connection. */
  public enum Engine {
    H2,
    POSTGRESQL
  }

  /**
   * How long a caller waits for a pooled connection before giving up: when the database does not
   * answer, the ledger spools after this long, and the ledger's writers wait no longer than this
   * for a lock either ({@link JdbcUsageLedger.Builder#lockTimeout}).
   */
  public static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(2);

  /**
   * How long the shared pool's sessions may wait for a lock and run one statement, on PostgreSQL.
   *
   * @param lockTimeout ends a wait for a lock (SQLSTATE 55P03)
   * @param statementTimeout ends a statement, waiting included (SQLSTATE 57014)
   */
  public record Bounds(Duration lockTimeout, Duration statementTimeout) {
    /**
     * A lock wait of 2 s, the connection timeout: a database that holds a read back delays its
     * caller no longer than one that does not answer. A read waits only behind a lock that takes a
     * whole table (a migration, {@code VACUUM FULL}, {@code LOCK TABLE}), which is either over in
     * milliseconds or lasts minutes, so a longer wait seldom helps. A statement of 60 s: work, not
     * waiting. The heaviest reads are cost reports over raw rows (kept 32 days by default; older
     * days come from daily rollups): grouping 3 million raw rows by day and user took 2 s when
     * measured on two cores, so a report over some 90 million rows still finishes, and 60 s is as
     * long as proxies commonly wait for an HTTP answer anyway. The rebuild of a budget from the
     * ledger and the lookups by key read through an index, in milliseconds.
     */
    public static final Bounds SHARED = new Bounds(CONNECTION_TIMEOUT, Duration.ofSeconds(60));

    public Bounds {
      if (lockTimeout == null || lockTimeout.isNegative() || lockTimeout.isZero()) {
        throw new IllegalArgumentException("lockTimeout: must be positive, got " + lockTimeout);
      }
      if (statementTimeout == null || statementTimeout.isNegative() || statementTimeout.isZero()) {
        throw new IllegalArgumentException("statementTimeout: must be positive, got " + statementTimeout);
      }
    }

    /** These bounds with {@code statementTimeout} in place of this one's: the lock bound stays. */
    public Bounds withStatementTimeout(Duration statementTimeout) {
      return new Bounds(lockTimeout, statementTimeout);
    }
  }

  /** The first schema of the URL's currentSchema parameter (PostgreSQL takes a list, as a search path). */
  private static final Pattern CURRENT_SCHEMA = Pattern.compile("[?&]currentSchema=([^&,]*)");
  /**
   * Lowercase only: the server reads the URL's schema into its search path unquoted, folding it to
   * lowercase, while the migration creates the name as written; {@code Team_A} would be created
   * and then not found, failing the migration and leaving the schema behind.
   */
  private static final Pattern SCHEMA_NAME = Pattern.compile("[a-z0-9_]+");

  private final HikariDataSource dataSource;
  private final Connecting connecting;
  private final Engine engine;
  private final String schema;

  private Database(HikariDataSource dataSource, Connecting connecting, String schema) {
    this.dataSource = dataSource;
    this.connecting = connecting;
    this.engine = connecting.engine();
    this.schema = schema;
  }

  /** How this database is reached, so that a second pool ({@link #poolSettings}) reaches it the same way. */
  private record Connecting(String jdbcUrl, String user, String password, Engine engine) {
    HikariConfig pool(String name, int size) {
      HikariConfig config = new HikariConfig();
      config.setJdbcUrl(jdbcUrl);
      if (user != null) {
        config.setUsername(user);
      }
      if (password != null) {
        config.setPassword(password);
      }
      config.setMaximumPoolSize(size);
      config.setPoolName(name);
      // A ledger that waits 30 s for a dead database delays every acknowledgement; fail fast and spool.
      config.setConnectionTimeout(CONNECTION_TIMEOUT.toMillis());
      config.setValidationTimeout(Duration.ofSeconds(1).toMillis());
      config.setInitializationFailTimeout(Duration.ofSeconds(10).toMillis());
      if (engine == Engine.POSTGRESQL) {
        // Turns a JDBC batch into multi-row INSERTs: the difference between 3k and 30k rows/s.
        config.addDataSourceProperty("reWriteBatchedInserts", "true");
      }
      return config;
    }

    @Override
    public String toString() {
      return redact(jdbcUrl); // never the password
    }
  }

  /**
   * Opens {@code jdbcUrl} ({@code jdbc:postgresql:...} or {@code jdbc:h2:...}) with the user and
   * password in the URL, if any, and applies pending migrations.
   *
   * @throws IllegalArgumentException for a URL of another database
   * @throws IllegalStateException if the database cannot be reached or migrated
   */
  public static Database open(String jdbcUrl) {
    return open(jdbcUrl, null, null);
  }

  /** As {@link #open(String)}, with the shared pool's sessions bounded by {@code bounds} on PostgreSQL. */
  public static Database open(String jdbcUrl, Bounds bounds) {
    return open(jdbcUrl, null, null, 10, bounds);
  }

  /** As {@link #open(String)}, with explicit credentials (null to use the URL's). */
  public static Database open(String jdbcUrl, String user, String password) {
    return open(jdbcUrl, user, password, 10);
  }

  /** As {@link #open(String, String, String)} with a pool of at most {@code poolSize} connections. */
  public static Database open(String jdbcUrl, String user, String password, int poolSize) {
    return open(jdbcUrl, user, password, poolSize, Bounds.SHARED);
  }

  /**
   * As {@link #open(String, String, String, int)} with the shared pool's sessions bounded by
   * {@code bounds} on PostgreSQL (H2 bounds lock waits itself, at 2 s).
   */
  public static Database open(String jdbcUrl, String user, String password, int poolSize, Bounds bounds) {
    Engine engine;
    if (jdbcUrl.startsWith("jdbc:postgresql:")) {
      engine = Engine.POSTGRESQL;
    } else if (jdbcUrl.startsWith("jdbc:h2:")) {
      engine = Engine.H2;
      jdbcUrl = H2Url.completed(jdbcUrl);
    } else {
      throw new IllegalArgumentException("jdbc url: must start with jdbc:postgresql: or jdbc:h2:");
    }
    String schema = schemaOf(jdbcUrl);
    Connecting connecting = new Connecting(jdbcUrl, user, password, engine);
    HikariDataSource ds;
    try {
      HikariConfig shared = connecting.pool("quota-" + engine.name().toLowerCase(Locale.ROOT), poolSize);
      if (engine == Engine.POSTGRESQL) {
        shared.setConnectionInitSql(BoundedPool.initSql(engine, bounds.lockTimeout(), bounds.statementTimeout()));
      }
      ds = new HikariDataSource(shared);
    } catch (RuntimeException e) {
      throw new IllegalStateException("database unreachable at " + redact(jdbcUrl) + ": " + e.getMessage(), e);
    }
    Database db = new Database(ds, connecting, schema);
    try {
      db.migrate();
    } catch (RuntimeException e) {
      ds.close();
      throw new IllegalStateException("database migration failed: " + e.getMessage(), e);
    }
    return db;
  }

  /**
   * Opens (creating if needed) the embedded H2 database {@code quota} in {@code dataDir}.
   *
   * <p>{@code WRITE_DELAY=0} writes every commit through before it returns, so a killed process
   * never loses an acknowledged ledger row. {@code DB_CLOSE_ON_EXIT=FALSE} leaves closing to the
   * owner ({@link #close}): H2's own shutdown hook closed the database under whatever still used it
   * when the JVM began to stop (a migration interrupted by Ctrl-C, the ledger's last writes), in no
   * order with the hook of the server, which closes what uses the database first.
   */
  public static Database embedded(Path dataDir) {
    try {
      Files.createDirectories(dataDir);
    } catch (IOException e) {
      throw new IllegalStateException("data directory " + dataDir + " cannot be created: " + e.getMessage(), e);
    }
    // The settings it needs (H2Url) are added as they are to an H2 URL given to open.
    String url = "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("quota");
    // One connection opened first, and held while the pool opens: H2 refuses a file another
    // process has open at once, and the pool tried again every second for 10 s before it gave up,
    // so a start on a data directory in use took that long to be refused.
    try (Connection first = DriverManager.getConnection(H2Url.completed(url), "sa", "")) {
      return open(url, "sa", "", 4);
    } catch (SQLException e) {
      throw refused(dataDir, url, e);
    } catch (RuntimeException e) {
      throw refused(dataDir, url, e);
    }
  }

  /** Why the embedded database at {@code url} in {@code dataDir} did not open, naming what the operator can act on. */
  private static RuntimeException refused(Path dataDir, String url, Exception e) {
    if (heldByAnotherProcess(e)) {
      // H2 says so in a paragraph behind the pool's words and the whole URL, as if the database
      // were unreachable; what the operator needs is which file and that another process has it.
      return new IllegalStateException("the H2 database " + dataDir.toAbsolutePath().resolve("quota.mv.db")
          + " is in use by another process: stop it, or give this server a data directory of its own", e);
    }
    return e instanceof RuntimeException r ? r
        : new IllegalStateException("database unreachable at " + redact(url) + ": " + e.getMessage(), e);
  }

  /** Whether H2 refused to open its file because another process has it open (its file lock). */
  private static boolean heldByAnotherProcess(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SQLException sql && sql.getErrorCode() == ErrorCode.DATABASE_ALREADY_OPEN_1) {
        return true;
      }
    }
    return false;
  }

  private void migrate() {
    if (engine != Engine.POSTGRESQL) {
      migrate(dataSource);
      return;
    }
    // Sessions of their own without the shared pool's bounds: a migration may wait for a lock
    // while reads finish, and rewrite or index a big table for longer than any read may take.
    // Two, as Flyway holds one for its schema history while it migrates on another.
    try (HikariDataSource unbounded = new HikariDataSource(poolSettings("migration", 2))) {
      migrate(unbounded);
    }
  }

  private void migrate(DataSource target) {
    // Shared migrations, plus each engine's own (PostgreSQL: leaner ledger indexes).
    String own = engine == Engine.POSTGRESQL ? "classpath:db/migration-postgresql" : "classpath:db/migration-h2";
    var flyway = Flyway.configure().dataSource(target).locations("classpath:db/migration", own);
    if (schema != null) {
      flyway = flyway.schemas(schema).defaultSchema(schema).createSchemas(true);
    }
    // Flyway passes over applied migrations it does not know by default ("*:future"): this version
    // would then write a schema a later one has changed. Refused, as is one migrated elsewhere.
    Flyway migrations = flyway.ignoreMigrationPatterns(new String[0]).load();
    refuseNewerSchema(migrations);
    migrations.migrate();
  }

  /**
   * Refuses a database a later version of Quota migrated, naming its version and this one's,
   * before anything is written to it: rolling a server back does not roll its database back.
   */
  private static void refuseNewerSchema(Flyway flyway) {
    MigrationVersion newest = null;
    MigrationVersion known = null;
    for (MigrationInfo m : flyway.info().all()) {
      if (m.getVersion() == null) {
        continue;
      }
      boolean future = m.getState() == MigrationState.FUTURE_SUCCESS || m.getState() == MigrationState.FUTURE_FAILED;
      if (future && (newest == null || m.getVersion().isNewerThan(newest))) {
        newest = m.getVersion();
      } else if (!future && (known == null || m.getVersion().isNewerThan(known))) {
        known = m.getVersion();
      }
    }
    if (newest != null) {
      throw new IllegalStateException("the database was migrated by a newer version of Quota (schema version "
          + newest + ", this version knows up to " + known + "): run that version, or restore a backup taken before it");
    }
  }

  public DataSource dataSource() {
    return dataSource;
  }

  /**
   * Settings for another pool of at most {@code size} connections to this database, reached as
   * this one's are (URL, credentials, timeouts) but without the shared pool's session bounds, for
   * a caller that needs sessions of its own (the ledger's writers, whose sessions carry bounds of
   * their own; migrations, which must not be bounded). It is not migrated again and its caller
   * closes it.
   */
  HikariConfig poolSettings(String purpose, int size) {
    return connecting.pool(dataSource.getPoolName() + "-" + purpose, size);
  }

  public Engine engine() {
    return engine;
  }

  /** A pooled connection; the caller closes it. */
  public Connection connection() throws SQLException {
    return dataSource.getConnection();
  }

  /** See {@link Jdbc#evictIdleConnections}. */
  public void evictIdleConnections() {
    Jdbc.evictIdleConnections(dataSource);
  }

  @Override
  public void close() {
    dataSource.close();
  }

  /**
   * The schema the URL's {@code currentSchema} names first, or null if it names none. A name the
   * server could not create as written is refused before anything connects: it used to be cut at
   * its first other character, so {@code currentSchema=team-a} migrated the tables into a schema
   * {@code team} while the connection looked for them in {@code team-a}.
   */
  static String schemaOf(String jdbcUrl) {
    String problem = currentSchemaProblem(jdbcUrl);
    if (problem != null) {
      throw new IllegalArgumentException("jdbc url: " + problem);
    }
    Matcher m = CURRENT_SCHEMA.matcher(jdbcUrl);
    return m.find() ? m.group(1) : null;
  }

  /**
   * Null if the URL names no {@code currentSchema} or one {@link #open} can create, else the rule
   * the name breaks: a configuration check tells it before anything opens.
   */
  public static String currentSchemaProblem(String jdbcUrl) {
    Matcher m = CURRENT_SCHEMA.matcher(jdbcUrl);
    if (!m.find() || SCHEMA_NAME.matcher(m.group(1)).matches()) {
      return null;
    }
    return "currentSchema must name a schema of lowercase letters, digits and underscores, got '" + m.group(1) + "'";
  }

  /**
   * Null unless {@code jdbcUrl} is an H2 URL that sets one of the settings {@link #open} needs to
   * another value, else the rule it breaks: a configuration check tells it before anything opens.
   */
  public static String h2SettingsProblem(String jdbcUrl) {
    return jdbcUrl.startsWith("jdbc:h2:") ? H2Url.problem(jdbcUrl) : null;
  }

  private static String redact(String url) {
    return url.replaceAll("password=[^&;]*", "password=***");
  }
}
