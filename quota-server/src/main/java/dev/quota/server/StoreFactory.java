package dev.quota.server;

import dev.quota.redis.RedisStore;
import dev.quota.store.Store;
import java.time.Duration;

/** Builds the shared counter store. */
final class StoreFactory {
  private StoreFactory() {}

  /** {@code timeout}: the server's {@code redisTimeout}, 500 ms unless configured (ServerConfig says why). */
  static Store redis(String url, String prefix, Duration timeout) {
    return RedisStore.builder().uri(url).prefix(prefix).timeout(timeout).build();
  }
}
