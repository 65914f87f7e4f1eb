package dev.quota.server.config;

import dev.quota.jdbc.Database;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The rules for the Redis and database URLs and the Redis key prefix, one place for every way they
 * are given (a flag, a variable, the file), so that {@code check-config} passes no value that
 * {@code serve} refuses.
 */
final class BackendUrls {
  private static final String CLUSTER = "redis-cluster://";
  /** What the Redis store opens: one node, one node over TLS, or a Redis Cluster named by some of its nodes. */
  private static final List<String> REDIS_SCHEMES = List.of("redis://", "rediss://", CLUSTER);
  /** The path of a single node's URL: none, or the database number. */
  private static final Pattern DATABASE = Pattern.compile("/?|/[0-9]{1,9}");

  private BackendUrls() {}

  /** Null if the Redis store can be pointed at {@code url}, else the rule it breaks. */
  static String redisProblem(String url) {
    if (REDIS_SCHEMES.stream().noneMatch(url::startsWith)) {
      return "must be a redis://, rediss:// or redis-cluster:// URL";
    }
    if (url.startsWith(CLUSTER)) {
      for (String node : url.substring(CLUSTER.length()).split(",", -1)) {
        // The store reads each node as a single node's URL; a cluster has no database to choose.
        URI uri = hostAndPort("redis://" + node.strip());
        if (uri == null || !uri.getRawPath().isEmpty() || uri.getRawQuery() != null) {
          return "must list the cluster's nodes as host:port, such as redis-cluster://10.0.0.1:7000,10.0.0.2:7000";
        }
      }
      return null;
    }
    URI uri = hostAndPort(url);
    return uri != null && DATABASE.matcher(uri.getRawPath()).matches() ? null
        : "must name a host, and a port from 1 to 65535 and a database number if any, such as redis://127.0.0.1:6379/0";
  }

  /** Null if {@code url} names a database the server can use, else the rule it breaks. */
  static String databaseProblem(String url) {
    if (!url.startsWith("jdbc:postgresql:") && !url.startsWith("jdbc:h2:")) {
      return "must be a jdbc:postgresql: or jdbc:h2: URL";
    }
    String h2 = Database.h2SettingsProblem(url);
    return h2 != null ? h2 : Database.currentSchemaProblem(url);
  }

  /**
   * Null if the Redis store takes {@code prefix} for its keys, else the rule it breaks (the store's
   * own): a brace in it would end the hash tag that keeps a subject's counters in one slot. A blank
   * prefix is refused rather than taken for the default: whoever set it meant something else, and
   * keys without a prefix would mix with other data in the same Redis.
   */
  static String redisPrefixProblem(String prefix) {
    if (prefix.isBlank()) {
      return "must not be blank (leave the setting out for the default, " + ServerConfig.DEFAULT_REDIS_PREFIX + ")";
    }
    return prefix.indexOf('{') < 0 && prefix.indexOf('}') < 0 ? null
        : "must not contain { or } (the store puts each subject between braces, as the Redis Cluster hash tag)";
  }

  /**
   * {@code url} if it names a host and, if any, a port that can be connected to, else null. Lettuce
   * reads {@code redis://127.0.0.1:abc} as the host {@code 127.0.0.1:abc}, and port 0 as its
   * default, so such a typo started a server whose every call to Redis failed.
   */
  private static URI hostAndPort(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      return null;
    }
    return uri.getHost() != null && uri.getPort() != 0 && uri.getPort() <= 65535 && uri.getRawPath() != null ? uri : null;
  }
}
