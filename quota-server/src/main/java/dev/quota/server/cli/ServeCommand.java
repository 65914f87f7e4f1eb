package dev.quota.server.cli;

import dev.quota.redis.RedisStore;
import dev.quota.server.AdminKey;
import dev.quota.server.Backends;
import dev.quota.server.DataDirectory;
import dev.quota.server.QuotaServer;
import dev.quota.server.config.ConfigFile;
import dev.quota.server.config.ConfigLoader;
import dev.quota.server.config.ServerConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code quota serve}: runs the HTTP service until interrupted, then shuts down gracefully. */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Start the HTTP service.")
final class ServeCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);
  /** Said when the process was asked to stop (Ctrl-C, SIGTERM) before it was ready to serve. */
  static final String STOPPED_WHILE_STARTING = "Stopped while starting: asked to stop before it was ready; what was open is closed.";

  @Option(names = "--config", description = "YAML configuration file (env QUOTA_CONFIG)") Path config;
  @Option(names = "--port", description = "Port to listen on, default 8080 (env QUOTA_PORT)") Integer port;
  @Option(names = "--host", description = "Address to bind, default 127.0.0.1 (env QUOTA_HOST)") String host;
  @Option(names = "--data-dir", description = "Data directory, default ./quota-data (env QUOTA_DATA_DIR)") Path dataDir;
  @Option(names = "--redis", description = "Redis URL for shared counters, or redis-cluster://host:port,host:port,... for Redis Cluster"
      + " (env QUOTA_REDIS_URL)") String redis;
  @Option(names = "--database", description = "PostgreSQL JDBC URL (env QUOTA_DATABASE_URL); default H2 under the data dir") String database;

  @Override
  public Integer call() throws InterruptedException {
    // Before anything opens: a stop from now on lets the step in progress finish (see ServeShutdown).
    ServeShutdown shutdown = ServeShutdown.install();
    Integer failed;
    try {
      failed = start(shutdown);
    } finally {
      shutdown.startOver();
    }
    if (failed != null) {
      return failed;
    }
    shutdown.awaitStopped();
    return 0;
  }

  /**
   * Starts the server and hands it to {@code shutdown}: null once it serves, else the exit code of
   * a start that failed, having said why, or that a stop ended, having closed what it opened.
   */
  private Integer start(ServeShutdown shutdown) {
    ConfigLoader.Loaded loaded;
    try {
      loaded = ConfigLoader.read(new ConfigLoader.Flags(config, port, dataDir, redis, database, host), System.getenv());
    } catch (ConfigFile.Invalid e) {
      // One problem a line, those of the file naming it, as check-config lists them.
      e.problems().forEach(problem -> System.err.println("configuration error: " + problem));
      return 2;
    }
    ServerConfig cfg = loaded.config();
    if (loaded.declaredPolicies() > 0) {
      String note = policiesNotApplied(loaded.file(), loaded.declaredPolicies());
      System.out.println(note);
      LOG.warn(note);
    }
    String unwritable = DataDirectory.problem(cfg.dataDir());
    if (unwritable != null) {
      System.err.println("cannot start: the data directory " + cfg.dataDir() + " cannot be written: " + unwritable);
      return 1;
    }
    // A key given or already in the directory is read now, so a key file that cannot be used stops
    // the start before anything is opened; one is generated only once the backends hold the
    // directory: a start refused because another server uses it generated a key into that server's directory.
    AdminKey.Resolved key;
    try {
      key = AdminKey.existing(cfg.adminKey(), cfg.dataDir());
    } catch (RuntimeException e) { // a key file that holds no key, or cannot be read
      System.err.println("cannot start: " + Failures.describe(e));
      return 1;
    }
    if (shutdown.requested()) {
      return stoppedWhileStarting();
    }
    Backends backends;
    try {
      backends = Backends.open(cfg, Clock.systemUTC());
    } catch (RuntimeException e) {
      System.err.println("cannot open the backends: " + Failures.describe(e));
      return 1;
    }
    if (shutdown.requested()) {
      backends.closeUnstarted();
      return stoppedWhileStarting();
    }
    if (key == null) {
      try {
        key = AdminKey.resolve(cfg.adminKey(), cfg.dataDir());
      } catch (RuntimeException e) { // a key file that cannot be written
        System.err.println("cannot start: " + Failures.describe(e));
        backends.closeUnstarted();
        return 1;
      }
    }
    if (key.createdFile() != null) {
      System.out.println("Generated an admin API key; it is in " + key.createdFile().toAbsolutePath() + " (mode 0600).");
    } else if (cfg.adminKey() == null) {
      String loose = AdminKey.looseModeWarning(cfg.dataDir());
      if (loose != null) {
        System.out.println(loose);
        LOG.warn(loose);
      }
    }
    if (backends.store() instanceof RedisStore redisStore) {
      redisStore.evictionPolicy().filter(policy -> !policy.equals("noeviction")).ifPresent(policy -> {
        String note = evictionWarning(policy);
        System.out.println(note);
        LOG.warn(note);
      });
    }
    QuotaServer server;
    try {
      server = new QuotaServer(cfg, backends, Clock.systemUTC(), key.key());
    } catch (RuntimeException e) {
      System.err.println("cannot start: " + Failures.describe(e));
      // The engine never took the store and the ledger, whose spool holds the data directory's lock.
      backends.closeUnstarted();
      return 1;
    }
    if (shutdown.requested()) {
      Failures.closeQuietly(server);
      return stoppedWhileStarting();
    }
    try {
      server.start();
    } catch (Exception e) { // the web server throws checked exceptions it does not declare
      // Its failure often says only that it stopped; binding again tells why.
      System.err.println("cannot listen on " + cfg.host() + ":" + cfg.port() + ": "
          + Failures.describe(Failures.whyCannotListen(cfg.host(), cfg.port(), e)));
      Failures.closeQuietly(server);
      return 1;
    }
    if (!shutdown.serving(server)) {
      Failures.closeQuietly(server);
      return stoppedWhileStarting();
    }
    System.out.println("Quota is listening on http://" + cfg.host() + ":" + server.port() + " ("
        + (cfg.redisUrl() == null ? "memory counters" : "Redis counters") + ", "
        + (cfg.databaseUrl() == null ? "H2 in " + cfg.dataDir().toAbsolutePath() : "PostgreSQL") + ")");
    return null;
  }

  /** Says, in one line, that a stop ended the start; the process ends with the signal's status, not this one. */
  private static int stoppedWhileStarting() {
    System.out.println(STOPPED_WHILE_STARTING);
    return 1;
  }

  /**
   * Said at start when Redis may evict keys: a budget evicted on its own is not known to be lost
   * (that takes the loss of Redis's data, which the epoch marker tells), so it starts again at zero
   * instead of being rebuilt from the ledger.
   */
  static String evictionWarning(String policy) {
    return "Redis may evict keys when full (maxmemory-policy " + policy + "): a budget counter it evicts starts again"
        + " at zero; run the Redis Quota uses with maxmemory-policy noeviction";
  }

  /**
   * Policies in the file are checked like the rest of it but not applied: {@code policy apply}
   * applies them, showing the diff against what the server holds and never overwriting a change
   * made meanwhile, which a start could not do without notice. Said at start, so that an operator
   * who put them there does not take the server to enforce them.
   */
  static String policiesNotApplied(Path file, int count) {
    String them = count == 1 ? "it" : "them";
    return file + " declares " + count + (count == 1 ? " policy" : " policies") + "; serve does not apply " + them
        + " (apply " + them + " with: quota policy apply -f " + file + ")";
  }
}
