package dev.quota.server;

import dev.quota.redis.RedisStore;
import dev.quota.store.Store;

/** Builds the shared counter store. */
final class StoreFactory {
  private StoreFactory() {}

  static Store redis(String url, String prefix) {
    // Behind HTTP a decision already costs a round trip; 500 ms keeps a busy host from failing
    // closed on ordinary scheduling hiccups while still bounding a hung Redis.
    return RedisStore.builder().uri(url).prefix(prefix).timeout(java.time.Duration.ofMillis(500)).build();
  }
}
