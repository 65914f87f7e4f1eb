package dev.quota.server.config;

import java.nio.file.Path;
import java.util.List;

/**
 * Everything {@code serve} needs, after the YAML file, environment and flags are merged (flags win,
 * then environment, then the file, then the defaults).
 *
 * @param redisUrl null for in-memory counters
 * @param databaseUrl null for the embedded H2 file under {@code dataDir}
 * @param adminKey null to generate one (kept in {@code dataDir/admin.key})
 */
public record ServerConfig(
    String host,
    int port,
    Path dataDir,
    String redisUrl,
    String redisPrefix,
    String databaseUrl,
    String adminKey,
    List<Webhook> webhooks) {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 8080;
  public static final Path DEFAULT_DATA_DIR = Path.of("quota-data");

  /** An alert receiver: alerts are POSTed to {@code url}, signed with HMAC-SHA256 under {@code secret}. */
  public record Webhook(String url, String secret) {}

  public ServerConfig {
    webhooks = webhooks == null ? List.of() : List.copyOf(webhooks);
  }

  public static ServerConfig defaults() {
    return new ServerConfig(DEFAULT_HOST, DEFAULT_PORT, DEFAULT_DATA_DIR, null, "quota:", null, null, List.of());
  }

  public ServerConfig withPort(int p) {
    return new ServerConfig(host, p, dataDir, redisUrl, redisPrefix, databaseUrl, adminKey, webhooks);
  }

  public ServerConfig withAdminKey(String key) {
    return new ServerConfig(host, port, dataDir, redisUrl, redisPrefix, databaseUrl, key, webhooks);
  }
}
