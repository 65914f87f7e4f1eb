package dev.quota.server.cli;

import dev.quota.server.AdminKey;
import dev.quota.server.Backends;
import dev.quota.server.QuotaServer;
import dev.quota.server.config.ConfigFile;
import dev.quota.server.config.ConfigLoader;
import dev.quota.server.config.ServerConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code quota serve}: runs the HTTP service until interrupted, then shuts down gracefully. */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Start the HTTP service.")
final class ServeCommand implements Callable<Integer> {
  @Option(names = "--config", description = "YAML configuration file (env QUOTA_CONFIG)") Path config;
  @Option(names = "--port", description = "Port to listen on, default 8080 (env QUOTA_PORT)") Integer port;
  @Option(names = "--host", description = "Address to bind, default 127.0.0.1 (env QUOTA_HOST)") String host;
  @Option(names = "--data-dir", description = "Data directory, default ./quota-data (env QUOTA_DATA_DIR)") Path dataDir;
  @Option(names = "--redis", description = "Redis URL for shared counters, or redis-cluster://host:port,host:port,... for Redis Cluster"
      + " (env QUOTA_REDIS_URL)") String redis;
  @Option(names = "--database", description = "PostgreSQL JDBC URL (env QUOTA_DATABASE_URL); default H2 under the data dir") String database;

  @Override
  public Integer call() throws InterruptedException {
    ServerConfig cfg;
    try {
      cfg = ConfigLoader.load(new ConfigLoader.Flags(config, port, dataDir, redis, database, host), System.getenv());
    } catch (ConfigFile.Invalid e) {
      // One problem a line, those of the file naming it, as check-config lists them.
      e.problems().forEach(problem -> System.err.println("configuration error: " + problem));
      return 2;
    }
    AdminKey.Resolved key;
    try {
      key = AdminKey.resolve(cfg.adminKey(), cfg.dataDir());
    } catch (RuntimeException e) { // a key file that holds no key, or cannot be read or written
      System.err.println("cannot start: " + Failures.describe(e));
      return 1;
    }
    if (key.createdFile() != null) {
      System.out.println("Generated an admin API key; it is in " + key.createdFile().toAbsolutePath() + " (mode 0600).");
    }
    Backends backends;
    try {
      backends = Backends.open(cfg, Clock.systemUTC());
    } catch (RuntimeException e) {
      System.err.println("cannot open the backends: " + Failures.describe(e));
      return 1;
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
    try {
      server.start();
    } catch (Exception e) { // the web server throws checked exceptions it does not declare
      // Its failure often says only that it stopped; binding again tells why.
      System.err.println("cannot listen on " + cfg.host() + ":" + cfg.port() + ": "
          + Failures.describe(Failures.whyCannotListen(cfg.host(), cfg.port(), e)));
      Failures.closeQuietly(server);
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "quota-shutdown"));
    System.out.println("Quota is listening on http://" + cfg.host() + ":" + server.port() + " ("
        + (cfg.redisUrl() == null ? "memory counters" : "Redis counters") + ", "
        + (cfg.databaseUrl() == null ? "H2 in " + cfg.dataDir().toAbsolutePath() : "PostgreSQL") + ")");
    stopped.await();
    return 0;
  }
}
