package dev.quota.server.config;

import dev.quota.jdbc.Database;
import dev.quota.jdbc.JdbcUsageLedger;
import dev.quota.server.alerts.Backoff;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything {@code serve} needs, after the YAML file, environment and flags are merged (flags win,
 * then environment, then the file, then the defaults).
 *
 * @param redisUrl null for in-memory counters
 * @param databaseUrl null for the embedded H2 file under {@code dataDir}
 * @param adminKey null to generate one (kept in {@code dataDir/admin.key})
 * @param webhooks where fired alerts are POSTed; empty for none
 * @param webhookBackoff how often and how patiently a failed webhook delivery is retried
 * @param redisTimeout the most a call to Redis waits before it fails as if Redis were down
 * @param ledgerRawRetention how long the ledger keeps raw rows before it rolls them up into daily totals
 * @param databaseStatementTimeout the most one statement of the shared pool runs on PostgreSQL, waiting included
 */
public record ServerConfig(
    String host,
    int port,
    Path dataDir,
    String redisUrl,
    String redisPrefix,
    String databaseUrl,
    String adminKey,
    List<Webhook> webhooks,
    Backoff webhookBackoff,
    Duration redisTimeout,
    Duration ledgerRawRetention,
    Duration databaseStatementTimeout) {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 8080;
  public static final Path DEFAULT_DATA_DIR = Path.of("quota-data");
  public static final String DEFAULT_REDIS_PREFIX = "quota:";
  /**
   * Behind HTTP a decision already costs a round trip; 500 ms keeps a busy host from failing
   * closed on ordinary scheduling hiccups while still bounding a hung Redis.
   */
  public static final Duration DEFAULT_REDIS_TIMEOUT = Duration.ofMillis(500);
  /**
   * {@code redisTimeout}. At least 10 ms: each call carries its deadline to Redis in whole
   * milliseconds less one, and a few leave no time even for a loopback round trip on a busy host,
   * so every decision would fail as if Redis were down. At most 5 s: each request waiting on a
   * stalled Redis holds one of the server's request threads that long (longer when the connection
   * or the store's function library must be set up again), so a longer wait lets one stall take
   * them all.
   */
  public static final DurationSetting REDIS_TIMEOUT =
      new DurationSetting("redisTimeout", "QUOTA_REDIS_TIMEOUT", Duration.ofMillis(10), Duration.ofSeconds(5), "PT0.5S");
  /**
   * {@code ledgerRawRetention}, 32 days by default. At least that: budgets lost with the counter
   * store are rebuilt from raw rows alone, so they must cover a monthly period (the ledger says why
   * 32). At most 400 days, as long as the daily totals made from them are kept: raw rows are most
   * of the database (one per call, where a total is one per day), and a slip such as P3200D for
   * P320D would keep them for years.
   */
  public static final DurationSetting LEDGER_RAW_RETENTION = new DurationSetting(
      "ledgerRawRetention", "QUOTA_LEDGER_RAW_RETENTION", JdbcUsageLedger.MIN_RAW_RETENTION, Duration.ofDays(400), "P90D");
  /**
   * {@code databaseStatementTimeout}, 60 s by default ({@link Database.Bounds#SHARED} says why):
   * longer for a deployment whose cost reports read more raw rows than that allows. At least 1 s:
   * the lookups by key and the rebuild of a budget read through an index, in milliseconds, but
   * less than a second leaves no room for a busy host. At most 30 min: each statement holds a
   * request thread and a pooled connection that long, and a slip such as PT6000S for PT600S would
   * let a few reports take the pool for hours.
   */
  public static final DurationSetting DATABASE_STATEMENT_TIMEOUT = new DurationSetting(
      "databaseStatementTimeout", "QUOTA_DATABASE_STATEMENT_TIMEOUT", Duration.ofSeconds(1), Duration.ofMinutes(30), "PT5M");

  /** An alert receiver: alerts are POSTed to {@code url}, signed with HMAC-SHA256 under {@code secret}. */
  public record Webhook(String url, String secret) {
    /** The rule a webhook URL must meet, for the messages that refuse one. */
    public static final String URL_RULE = "must be an http or https URL with a host, such as https://example.com/quota-alerts";

    /**
     * Whether alerts can be POSTed to {@code url}: it parses as a URI, its scheme is http or https
     * and it names a host (and a port, if any, that exists). Checked with the configuration, since a
     * URL that only starts like one ({@code http://}, a space in the host) would otherwise stop the
     * server at start with the parser's words, or be accepted and fail at every delivery.
     */
    public static boolean isValidUrl(String url) {
      URI u;
      try {
        u = new URI(url);
      } catch (URISyntaxException e) {
        return false;
      }
      // Schemes are case-insensitive (RFC 3986, 3.1): HTTP:// is http://, as the HTTP client takes it.
      return ("http".equalsIgnoreCase(u.getScheme()) || "https".equalsIgnoreCase(u.getScheme()))
          && u.getHost() != null && u.getPort() <= 65535;
    }

    /**
     * {@code url} as a message about the configuration may quote it: its user info, query and
     * fragment, which may carry credentials, each replaced by {@code ***}. Such messages reach the
     * terminal and the log, as the alert history's URLs (which leave the same parts out) never do.
     * Works on text that does not parse as a URI too, since those are the URLs messages refuse.
     */
    public static String shown(String url) {
      int schemeEnd = url.indexOf("://");
      int authorityStart = schemeEnd < 0 ? 0 : schemeEnd + 3;
      int authorityEnd = authorityStart;
      while (authorityEnd < url.length() && "/?#".indexOf(url.charAt(authorityEnd)) < 0) {
        authorityEnd++;
      }
      int at = url.lastIndexOf('@', authorityEnd - 1);
      String authority = at >= authorityStart ? "***" + url.substring(at, authorityEnd) : url.substring(authorityStart, authorityEnd);
      String rest = url.substring(authorityEnd);
      int query = rest.indexOf('?');
      int fragment = rest.indexOf('#');
      if (query >= 0 && (fragment < 0 || query < fragment)) {
        rest = rest.substring(0, query) + "?***";
      } else if (fragment >= 0) {
        rest = rest.substring(0, fragment) + "#***";
      }
      return url.substring(0, authorityStart) + authority + rest;
    }
  }

  public ServerConfig {
    webhooks = webhooks == null ? List.of() : List.copyOf(webhooks);
    webhookBackoff = webhookBackoff == null ? Backoff.DEFAULT : webhookBackoff;
    redisTimeout = redisTimeout == null ? DEFAULT_REDIS_TIMEOUT : redisTimeout;
    ledgerRawRetention = ledgerRawRetention == null ? JdbcUsageLedger.MIN_RAW_RETENTION : ledgerRawRetention;
    databaseStatementTimeout = databaseStatementTimeout == null ? Database.Bounds.SHARED.statementTimeout() : databaseStatementTimeout;
  }

  /** With the default Redis timeout, ledger retention and database statement bound. */
  public ServerConfig(String host, int port, Path dataDir, String redisUrl, String redisPrefix, String databaseUrl,
      String adminKey, List<Webhook> webhooks, Backoff webhookBackoff) {
    this(host, port, dataDir, redisUrl, redisPrefix, databaseUrl, adminKey, webhooks, webhookBackoff, null, null, null);
  }

  /** With the default webhook retries, Redis timeout, ledger retention and database statement bound. */
  public ServerConfig(String host, int port, Path dataDir, String redisUrl, String redisPrefix, String databaseUrl,
      String adminKey, List<Webhook> webhooks) {
    this(host, port, dataDir, redisUrl, redisPrefix, databaseUrl, adminKey, webhooks, Backoff.DEFAULT);
  }

  public static ServerConfig defaults() {
    return new ServerConfig(DEFAULT_HOST, DEFAULT_PORT, DEFAULT_DATA_DIR, null, DEFAULT_REDIS_PREFIX, null, null, List.of(), Backoff.DEFAULT,
        DEFAULT_REDIS_TIMEOUT, JdbcUsageLedger.MIN_RAW_RETENTION, Database.Bounds.SHARED.statementTimeout());
  }

  public ServerConfig withPort(int p) {
    return new ServerConfig(host, p, dataDir, redisUrl, redisPrefix, databaseUrl, adminKey, webhooks, webhookBackoff, redisTimeout,
        ledgerRawRetention, databaseStatementTimeout);
  }

  public ServerConfig withAdminKey(String key) {
    return new ServerConfig(host, port, dataDir, redisUrl, redisPrefix, databaseUrl, key, webhooks, webhookBackoff, redisTimeout,
        ledgerRawRetention, databaseStatementTimeout);
  }
}
