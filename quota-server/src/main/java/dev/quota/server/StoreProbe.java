package dev.quota.server;

import dev.quota.redis.RedisStore;
import dev.quota.server.api.OpsRoutes;
import dev.quota.store.Store;

/**
 * Readiness of the counter store, cheap enough for a probe every few seconds: one round trip
 * asking Redis for its time (bounded by the store's timeout), nothing for the in-process store.
 */
final class StoreProbe {
  private StoreProbe() {}

  static OpsRoutes.Check of(Store store) {
    if (store instanceof RedisStore redis) {
      return () -> {
        redis.nowMs();
        return null;
      };
    }
    return () -> null;
  }
}
