package dev.quota.server;

import dev.quota.redis.RedisStore;
import dev.quota.store.Store;

/** Builds the shared counter store. */
final class StoreFactory {
  private StoreFactory() {}

  static Store redis(String url, String prefix) {
    return RedisStore.builder().uri(url).prefix(prefix).build();
  }
}
