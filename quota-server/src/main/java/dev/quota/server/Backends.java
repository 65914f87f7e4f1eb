package dev.quota.server;

import dev.quota.admin.ConfigRepository;
import dev.quota.jdbc.ApiKeyRepository;
import dev.quota.jdbc.Database;
import dev.quota.jdbc.JdbcAlertHistory;
import dev.quota.jdbc.JdbcConfigRepository;
import dev.quota.jdbc.JdbcUsageLedger;
import dev.quota.jdbc.WebhookRef;
import dev.quota.ledger.UsageLedger;
import dev.quota.server.alerts.ClaimantFile;
import dev.quota.server.api.OpsRoutes;
import dev.quota.server.auth.JdbcKeyRing;
import dev.quota.server.auth.KeyRing;
import dev.quota.server.config.ServerConfig;
import dev.quota.store.MemoryStore;
import dev.quota.store.Store;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parts behind the engine, chosen by configuration: counters in memory or Redis; policies,
 * ledger, alerts and keys in the embedded H2 file or PostgreSQL. Closing closes the database: the
 * engine closes the store and the ledger it was given ({@link #closeUnstarted} when none did).
 */
public final class Backends implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Backends.class);

  private final Database database;
  private final Store store;
  private final ConfigRepository config;
  private final UsageLedger ledger;
  private final JdbcAlertHistory alerts;
  private final KeyRing keys;
  private final Map<String, OpsRoutes.Check> checks = new LinkedHashMap<>();

  private Backends(Database database, Store store, ConfigRepository config, UsageLedger ledger, JdbcAlertHistory alerts, KeyRing keys) {
    this.database = database;
    this.store = store;
    this.config = config;
    this.ledger = ledger;
    this.alerts = alerts;
    this.keys = keys;
    checks.put("database", () -> {
      try (var c = database.connection()) {
        return c.isValid(2) ? null : "connection is not valid";
      } catch (SQLException e) {
        return e.getMessage();
      }
    });
  }

  /**
   * Opens every part, in order: database, counter store, ledger, alert history. If one fails, those
   * already open are closed, in reverse, before the failure is thrown: the ledger's spool holds the
   * data directory's lock, and left open it would keep this process (a retry, a test's next server)
   * out of the directory as if another server ran there.
   */
  public static Backends open(ServerConfig cfg, Clock clock) {
    return open(cfg, clock, UnaryOperator.identity());
  }

  /**
   * As {@link #open(ServerConfig, Clock)}, with {@code ledgerSettings} applied last to the ledger's
   * builder: for tests that need a ledger setting the configuration does not offer (its lock
   * bound, say).
   */
  static Backends open(ServerConfig cfg, Clock clock, UnaryOperator<JdbcUsageLedger.Builder> ledgerSettings) {
    // The statement bound is the operator's to set (long reports); the lock bound is not.
    return open(cfg, clock, ledgerSettings, Database.Bounds.SHARED.withStatementTimeout(cfg.databaseStatementTimeout()));
  }

  /** As above, with the shared pool's sessions bounded by {@code bounds} on PostgreSQL (tests shorten them). */
  static Backends open(
      ServerConfig cfg, Clock clock, UnaryOperator<JdbcUsageLedger.Builder> ledgerSettings, Database.Bounds bounds) {
    return open(cfg, clock, ledgerSettings, bounds, System::nanoTime);
  }

  /** As above, with the key ring's cache timed by {@code keyCacheTicker} (tests let its entries run out). */
  static Backends open(ServerConfig cfg, Clock clock, UnaryOperator<JdbcUsageLedger.Builder> ledgerSettings, Database.Bounds bounds,
      LongSupplier keyCacheTicker) {
    Deque<AutoCloseable> opened = new ArrayDeque<>();
    try {
      Database db = cfg.databaseUrl() == null ? Database.embedded(cfg.dataDir()) : Database.open(cfg.databaseUrl(), bounds);
      opened.push(db);
      Store store = cfg.redisUrl() == null ? new MemoryStore(clock)
          : StoreFactory.redis(cfg.redisUrl(), cfg.redisPrefix(), cfg.redisTimeout());
      opened.push(store);
      // The spool keeps acknowledged usage on local disk while the database is unreachable.
      UsageLedger ledger = ledgerSettings.apply(JdbcUsageLedger.builder(db).spoolDirectory(cfg.dataDir().resolve("ledger-spool"))
          .rawRetention(cfg.ledgerRawRetention()).clock(clock)).build();
      opened.push(ledger);
      // Each alert starts pending for every configured webhook; without one, it is 'none'. Taken
      // after the ledger, whose spool lock makes the data directory this process's alone: the
      // server that ran there before is dead, and its claims are this one's to take over.
      JdbcAlertHistory alerts = new JdbcAlertHistory(db, cfg.webhooks().stream().map(w -> WebhookRef.of(w.url())).toList(),
          clock, ClaimantFile.next(cfg.dataDir()));
      return new Backends(db, store, new JdbcConfigRepository(db), ledger, alerts,
          new JdbcKeyRing(new ApiKeyRepository(db), clock, keyCacheTicker));
    } catch (RuntimeException e) {
      closeAll(opened, e);
      throw e;
    }
  }

  /** Closes {@code parts} in their order, each even if one before it fails; failures are added to {@code cause}. */
  private static void closeAll(Deque<AutoCloseable> parts, RuntimeException cause) {
    for (AutoCloseable part : parts) {
      try {
        part.close();
      } catch (Exception e) {
        cause.addSuppressed(e);
      }
    }
  }

  public Database database() {
    return database;
  }

  public Store store() {
    return store;
  }

  public ConfigRepository config() {
    return config;
  }

  public UsageLedger ledger() {
    return ledger;
  }

  public JdbcAlertHistory alerts() {
    return alerts;
  }

  public KeyRing keys() {
    return keys;
  }

  public Map<String, OpsRoutes.Check> checks() {
    return checks;
  }

  /** Closes the database; the engine closes the store and the ledger it was given. */
  @Override
  public void close() {
    database.close();
  }

  /**
   * Closes every part, in reverse of their opening, for a server that failed before an engine took
   * the store and the ledger; failures to close are logged.
   */
  public void closeUnstarted() {
    RuntimeException failures = new IllegalStateException("closing the backends of a server that did not start");
    closeAll(new ArrayDeque<>(List.of(ledger, store, database)), failures);
    for (Throwable t : failures.getSuppressed()) {
      LOG.warn("closing a backend of a server that did not start: {}", t.toString());
    }
  }
}
