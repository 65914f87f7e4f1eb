package dev.quota.server.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Merges the configuration sources: command-line flags, then environment variables
 * ({@code QUOTA_CONFIG}, {@code QUOTA_HOST}, {@code QUOTA_PORT}, {@code QUOTA_DATA_DIR}, {@code QUOTA_REDIS_URL},
 * {@code QUOTA_REDIS_PREFIX}, {@code QUOTA_REDIS_TIMEOUT}, {@code QUOTA_DATABASE_URL},
 * {@code QUOTA_DATABASE_STATEMENT_TIMEOUT}, {@code QUOTA_LEDGER_RAW_RETENTION}, {@code QUOTA_ADMIN_KEY},
 * {@code QUOTA_WEBHOOK_URLS} with {@code QUOTA_WEBHOOK_SECRET}), then the YAML file, then defaults.
 */
public final class ConfigLoader {
  /** Values given as flags; null where a flag was not given. */
  public record Flags(Path config, Integer port, Path dataDir, String redis, String database, String host) {
    public static Flags none() {
      return new Flags(null, null, null, null, null, null);
    }
  }

  /**
   * The merged settings, and the file they were read from (null if none) with the number of
   * policies it declares: {@code serve} does not apply those ({@code policy apply} does, with a
   * diff), so it says so rather than leave them unseen.
   */
  public record Loaded(ServerConfig config, Path file, int declaredPolicies) {}

  private ConfigLoader() {}

  public static ServerConfig load(Flags flags, Map<String, String> env) {
    return read(flags, env).config();
  }

  /** As {@link #load}, with the file and the policies it declares. */
  public static Loaded read(Flags flags, Map<String, String> env) {
    Path file = flags.config() != null ? flags.config() : pathOf(env.get("QUOTA_CONFIG"));
    ConfigFile yaml = file == null ? ConfigFile.parse("") : ConfigFile.read(file);
    ServerConfig d = ServerConfig.defaults();

    String host = first(flags.host(), env.get("QUOTA_HOST"), yaml.text("host"), d.host());
    Integer port = flags.port() != null ? portFlag(flags.port()) : portOf(env.get("QUOTA_PORT"));
    if (port == null) {
      port = yaml.port() != null ? yaml.port() : d.port();
    }
    Path dataDir = flags.dataDir() != null ? flags.dataDir() : pathOf(first(env.get("QUOTA_DATA_DIR"), yaml.text("dataDir"), null, null));
    if (dataDir == null) {
      dataDir = d.dataDir();
    }
    String redis = first(flags.redis(), env.get("QUOTA_REDIS_URL"), yaml.text("redis"), null);
    // Not first(): a prefix set blank is refused below, not passed over for the default.
    String prefix = env.get("QUOTA_REDIS_PREFIX") != null ? env.get("QUOTA_REDIS_PREFIX")
        : yaml.text("redisPrefix") != null ? yaml.text("redisPrefix") : d.redisPrefix();
    Duration redisTimeout = duration(ServerConfig.REDIS_TIMEOUT, env, yaml, d.redisTimeout());
    String database = first(flags.database(), env.get("QUOTA_DATABASE_URL"), yaml.text("database"), null);
    Duration rawRetention = duration(ServerConfig.LEDGER_RAW_RETENTION, env, yaml, d.ledgerRawRetention());
    Duration statementTimeout = duration(ServerConfig.DATABASE_STATEMENT_TIMEOUT, env, yaml, d.databaseStatementTimeout());
    // A value from the file was checked as it was read, naming its line; these come from a flag or a variable.
    String hostProblem = ListenHost.problem(host);
    if (hostProblem != null) {
      throw new ConfigFile.Invalid(0, source(flags.host(), "--host", env.get("QUOTA_HOST"), "QUOTA_HOST", "host") + ": " + hostProblem);
    }
    if (redis != null && BackendUrls.redisProblem(redis) != null) {
      throw new ConfigFile.Invalid(0, source(flags.redis(), "--redis", env.get("QUOTA_REDIS_URL"), "QUOTA_REDIS_URL", "redis")
          + ": " + BackendUrls.redisProblem(redis));
    }
    if (database != null && BackendUrls.databaseProblem(database) != null) {
      throw new ConfigFile.Invalid(0, source(flags.database(), "--database", env.get("QUOTA_DATABASE_URL"), "QUOTA_DATABASE_URL", "database")
          + ": " + BackendUrls.databaseProblem(database));
    }
    if (BackendUrls.redisPrefixProblem(prefix) != null) {
      throw new ConfigFile.Invalid(0, (env.get("QUOTA_REDIS_PREFIX") != null ? "QUOTA_REDIS_PREFIX" : "redisPrefix")
          + ": " + BackendUrls.redisPrefixProblem(prefix));
    }
    // Empty is unset, as a container's environment passes a variable its host did not set.
    String adminKey = emptyToNull(env.get("QUOTA_ADMIN_KEY"));
    if (adminKey != null && adminKeyProblem(adminKey) != null) {
      throw new ConfigFile.Invalid(0, "QUOTA_ADMIN_KEY: " + adminKeyProblem(adminKey));
    }
    List<ServerConfig.Webhook> hooks = webhooks(env.get("QUOTA_WEBHOOK_URLS"), env.get("QUOTA_WEBHOOK_SECRET"));
    if (hooks == null) {
      hooks = yaml.webhooks();
    }
    ServerConfig config = new ServerConfig(host, port, dataDir, redis, prefix, database, adminKey, hooks, yaml.webhookBackoff(),
        redisTimeout, rawRetention, statementTimeout);
    return new Loaded(config, file, yaml.policies().size());
  }

  /** {@code setting} from its environment variable, else from the file, else {@code otherwise}. */
  private static Duration duration(DurationSetting setting, Map<String, String> env, ConfigFile yaml, Duration otherwise) {
    String fromEnv = blankToNull(env.get(setting.env()));
    if (fromEnv != null) {
      Duration d = setting.parse(fromEnv);
      if (d == null) {
        throw new ConfigFile.Invalid(0, setting.rule(setting.env()));
      }
      return d;
    }
    Duration fromFile = yaml.duration(setting);
    return fromFile != null ? fromFile : otherwise;
  }

  /** Comma-separated URLs sharing one secret; they replace the file's webhooks. Null when not set. */
  private static List<ServerConfig.Webhook> webhooks(String urls, String secret) {
    if (urls == null || urls.isBlank()) {
      // Ignored, it would leave the file's webhooks signing with their own secrets unnoticed.
      if (secret != null && !secret.isBlank()) {
        throw new ConfigFile.Invalid(0, "QUOTA_WEBHOOK_SECRET: is used only with QUOTA_WEBHOOK_URLS, which is not set"
            + " (webhooks in the file have their own secret)");
      }
      return null;
    }
    if (secret == null || secret.isBlank()) {
      throw new ConfigFile.Invalid(0, "QUOTA_WEBHOOK_SECRET: is required with QUOTA_WEBHOOK_URLS");
    }
    List<ServerConfig.Webhook> out = new ArrayList<>();
    for (String url : urls.split(",")) {
      String u = url.trim();
      if (!ServerConfig.Webhook.isValidUrl(u)) {
        throw new ConfigFile.Invalid(0, "QUOTA_WEBHOOK_URLS: each entry " + ServerConfig.Webhook.URL_RULE + " (got '" + ServerConfig.Webhook.shown(u) + "')");
      }
      if (out.stream().anyMatch(w -> w.url().equals(u))) {
        throw new ConfigFile.Invalid(0, "QUOTA_WEBHOOK_URLS: must not list a URL twice (" + ServerConfig.Webhook.shown(u) + ")");
      }
      out.add(new ServerConfig.Webhook(u, secret));
    }
    return out;
  }

  private static Integer portFlag(int port) {
    if (port < 0 || port > 65535) {
      throw new ConfigFile.Invalid(0, "--port: must be a whole number between 0 and 65535");
    }
    return port;
  }

  private static Integer portOf(String s) {
    if (s == null || s.isBlank()) {
      return null;
    }
    try {
      int p = Integer.parseInt(s.trim());
      if (p >= 0 && p <= 65535) {
        return p;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new ConfigFile.Invalid(0, "QUOTA_PORT: must be a whole number between 0 and 65535");
  }

  /** Where a setting taken by {@link #first} came from, named as the operator wrote it: the flag, the variable or the file's key. */
  private static String source(String flag, String flagName, String env, String envName, String fileKey) {
    return flag != null && !flag.isBlank() ? flagName : env != null && !env.isBlank() ? envName : fileKey;
  }

  private static Path pathOf(String s) {
    return s == null || s.isBlank() ? null : Path.of(s);
  }

  /**
   * Why {@code key} cannot be the admin key, or null. A client sends it in an HTTP header, which
   * carries ASCII and loses spaces at either end: a key unlike that could never be presented.
   * Spaces alone are refused rather than taken as unset, which would quietly use the key file.
   */
  static String adminKeyProblem(String key) {
    if (key.isBlank()) {
      return "must not be blank (leave it unset or empty to use the key in the data directory's admin.key)";
    }
    if (key.length() < 16) {
      return "must be at least 16 characters";
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        return "must be printable ASCII (it is sent in an HTTP header); character " + (i + 1) + " is not";
      }
    }
    if (key.strip().length() != key.length()) {
      return "must not start or end with a space (an HTTP header loses them, so the key could never match)";
    }
    return null;
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  private static String first(String a, String b, String c, String d) {
    for (String s : new String[] {a, b, c, d}) {
      if (s != null && !s.isBlank()) {
        return s;
      }
    }
    return null;
  }
}
