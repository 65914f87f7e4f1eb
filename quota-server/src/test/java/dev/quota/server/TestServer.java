package dev.quota.server;

import dev.quota.jdbc.Database;
import dev.quota.jdbc.JdbcUsageLedger;
import dev.quota.server.alerts.Backoff;
import dev.quota.server.config.ServerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * A real server on a random loopback port, on the embedded defaults (memory counters, H2 in a
 * fresh temporary data directory), with a known admin key.
 */
public final class TestServer implements AutoCloseable {
  public static final String ADMIN_KEY = "qk_test_admin_key_0123456789";

  private final Path dataDir;
  private final QuotaServer server;
  public final Api admin;

  private TestServer(Path dataDir, QuotaServer server) {
    this.dataDir = dataDir;
    this.server = server;
    this.admin = new Api("http://127.0.0.1:" + server.port(), ADMIN_KEY);
  }

  public static TestServer embedded() {
    return start(null, null, null);
  }

  /** On the embedded defaults with the server's time taken from {@code clock}. */
  public static TestServer embedded(Clock clock) {
    return start(null, null, null, clock, List.of());
  }

  public static TestServer start(String redisUrl, String redisPrefix, String databaseUrl) {
    return start(redisUrl, redisPrefix, databaseUrl, Clock.systemUTC(), List.of());
  }

  public static TestServer start(String redisUrl, String redisPrefix, String databaseUrl, Clock clock, List<ServerConfig.Webhook> webhooks) {
    return start(redisUrl, redisPrefix, databaseUrl, clock, webhooks, Backoff.DEFAULT);
  }

  public static TestServer start(String redisUrl, String redisPrefix, String databaseUrl, Clock clock,
      List<ServerConfig.Webhook> webhooks, Backoff webhookBackoff) {
    try {
      return start(Files.createTempDirectory("quota-server-test"), redisUrl, redisPrefix, databaseUrl, clock, webhooks, webhookBackoff);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * On the embedded defaults over a data directory the test prepared, e.g. with rows an earlier
   * version stored; the directory is removed on {@link #close}.
   */
  public static TestServer embeddedIn(Path dataDir) {
    return start(dataDir, null, null, null, Clock.systemUTC(), List.of(), Backoff.DEFAULT);
  }

  /**
   * Over a data directory an earlier server used (stopped with {@code server().close()}, which
   * leaves the directory), on memory counters and {@code databaseUrl} (null for H2 in the
   * directory); the directory is removed on {@link #close}.
   */
  public static TestServer startIn(Path dataDir, String databaseUrl, List<ServerConfig.Webhook> webhooks, Backoff webhookBackoff) {
    return start(dataDir, null, null, databaseUrl, Clock.systemUTC(), webhooks, webhookBackoff);
  }

  /** On the embedded defaults, reading each request's body within {@code bodyDeadline}. */
  public static TestServer withBodyDeadline(java.time.Duration bodyDeadline) {
    try {
      ServerConfig cfg = new ServerConfig("127.0.0.1", 0, Files.createTempDirectory("quota-server-test"), null, null,
          null, ADMIN_KEY, List.of(), Backoff.DEFAULT);
      Clock clock = Clock.systemUTC();
      return new TestServer(cfg.dataDir(), new QuotaServer(cfg, Backends.open(cfg, clock), clock, ADMIN_KEY,
          dev.quota.server.alerts.WebhookSender.MEMORY_BOUND, bodyDeadline).start());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * On memory counters and {@code databaseUrl} (null for H2 in a data directory of its own), each
   * of {@code webhooks} holding at most {@code webhookMemoryBound} alerts in memory.
   */
  public static TestServer withWebhookBound(String databaseUrl, List<ServerConfig.Webhook> webhooks, Backoff webhookBackoff,
      int webhookMemoryBound) {
    try {
      ServerConfig cfg = new ServerConfig("127.0.0.1", 0, Files.createTempDirectory("quota-server-test"), null, null,
          databaseUrl, ADMIN_KEY, webhooks, webhookBackoff);
      Clock clock = Clock.systemUTC();
      return new TestServer(cfg.dataDir(), new QuotaServer(cfg, Backends.open(cfg, clock), clock, ADMIN_KEY, webhookMemoryBound).start());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static TestServer start(Path dir, String redisUrl, String redisPrefix, String databaseUrl, Clock clock,
      List<ServerConfig.Webhook> webhooks, Backoff webhookBackoff) {
    return start(new ServerConfig("127.0.0.1", 0, dir, redisUrl, redisPrefix, databaseUrl, ADMIN_KEY, webhooks, webhookBackoff), clock);
  }

  /**
   * On memory counters and {@code databaseUrl}, with {@code ledgerSettings} applied to the ledger's
   * builder (settings the configuration does not offer, such as the ledger's lock bound).
   */
  public static TestServer withLedger(String databaseUrl, UnaryOperator<JdbcUsageLedger.Builder> ledgerSettings) {
    return withBounds(databaseUrl, ledgerSettings, Database.Bounds.SHARED);
  }

  /** As {@link #withLedger}, with the shared pool's sessions bounded by {@code bounds} (shorter than a server's). */
  public static TestServer withBounds(
      String databaseUrl, UnaryOperator<JdbcUsageLedger.Builder> ledgerSettings, Database.Bounds bounds) {
    return withBounds(databaseUrl, ledgerSettings, bounds, System::nanoTime);
  }

  /** As {@link #withBounds(String, UnaryOperator, Database.Bounds)}, with the key ring's cache timed by {@code keyCacheTicker}. */
  public static TestServer withBounds(String databaseUrl, UnaryOperator<JdbcUsageLedger.Builder> ledgerSettings, Database.Bounds bounds,
      java.util.function.LongSupplier keyCacheTicker) {
    try {
      ServerConfig cfg = new ServerConfig("127.0.0.1", 0, Files.createTempDirectory("quota-server-test"), null, null, databaseUrl,
          ADMIN_KEY, List.of(), Backoff.DEFAULT);
      Clock clock = Clock.systemUTC();
      return new TestServer(cfg.dataDir(), new QuotaServer(cfg, Backends.open(cfg, clock, ledgerSettings, bounds, keyCacheTicker), clock,
          ADMIN_KEY).start());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * On a configuration the test loaded as {@code serve} loads it ({@code ConfigLoader}), which
   * must name {@link #ADMIN_KEY} and a data directory of the test's own, removed on {@link #close}.
   */
  public static TestServer start(ServerConfig cfg, Clock clock) {
    if (!ADMIN_KEY.equals(cfg.adminKey())) {
      throw new IllegalArgumentException("the configuration must carry TestServer.ADMIN_KEY");
    }
    QuotaServer s = new QuotaServer(cfg, Backends.open(cfg, clock), clock, ADMIN_KEY).start();
    return new TestServer(cfg.dataDir(), s);
  }

  /**
   * Stops this server and starts another over the same data directory, on the embedded defaults
   * and {@code clock}: what the database kept is there, the in-memory counters are gone. Close the
   * one returned, not this one.
   */
  public TestServer restart(Clock clock) {
    server.close();
    return start(dataDir, null, null, null, clock, List.of(), Backoff.DEFAULT);
  }

  /**
   * Stops this server as a SIGTERM does and starts another over the same data directory with
   * {@code webhooks}. Close the one returned, not this one.
   */
  public TestServer restart(Clock clock, List<ServerConfig.Webhook> webhooks, Backoff webhookBackoff) {
    server.close();
    return start(dataDir, null, null, null, clock, webhooks, webhookBackoff);
  }

  /**
   * Over a data directory an earlier server used (stopped with {@code server().close()}), on Redis
   * counters at {@code redisUrl} and H2 in the directory; the directory is removed on {@link #close}.
   */
  public static TestServer onRedisIn(Path dataDir, String redisUrl, String redisPrefix) {
    return start(dataDir, redisUrl, redisPrefix, null, Clock.systemUTC(), List.of(), Backoff.DEFAULT);
  }

  /** Where the embedded database lives, for a test that opens it as a second process would. */
  public Path dataDir() {
    return dataDir;
  }

  public QuotaServer server() {
    return server;
  }

  public Api anonymous() {
    return admin.as(null);
  }

  /** Issues a key through the API and returns a client using it. */
  public Api key(String name, String role, String... subjects) {
    StringBuilder s = new StringBuilder("[");
    for (String subject : subjects) {
      s.append(s.length() > 1 ? "," : "").append('"').append(subject).append('"');
    }
    Api.Response r = admin.post("/v1/keys", "{\"name\":\"" + name + "\",\"role\":\"" + role + "\",\"subjects\":" + s + "]}");
    if (r.status() != 201) {
      throw new AssertionError("cannot issue key: " + r);
    }
    return admin.as(r.json().get("key").asText());
  }

  @Override
  public void close() {
    server.close();
    try (Stream<Path> files = Files.walk(dataDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: a temporary directory
    }
  }
}
