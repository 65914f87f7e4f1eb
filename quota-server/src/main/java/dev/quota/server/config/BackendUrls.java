package dev.quota.server.config;

import java.util.List;

/**
 * The rules for the Redis and database URLs, one place for every way they are given (a flag, a
 * variable, the file), so that {@code check-config} passes no URL that {@code serve} refuses.
 */
final class BackendUrls {
  /** What the Redis store opens: one node, one node over TLS, or a Redis Cluster named by some of its nodes. */
  private static final List<String> REDIS_SCHEMES = List.of("redis://", "rediss://", "redis-cluster://");

  private BackendUrls() {}

  /** Null if the Redis store can be pointed at {@code url}, else the rule it breaks. */
  static String redisProblem(String url) {
    if (REDIS_SCHEMES.stream().noneMatch(url::startsWith)) {
      return "must be a redis://, rediss:// or redis-cluster:// URL";
    }
    return null;
  }

  /** Null if {@code url} names a database the server can use, else the rule it breaks. */
  static String databaseProblem(String url) {
    return url.startsWith("jdbc:postgresql:") || url.startsWith("jdbc:h2:") ? null : "must be a jdbc:postgresql: or jdbc:h2: URL";
  }
}
