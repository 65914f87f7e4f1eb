package dev.quota.server;

import dev.quota.StoreUnavailableException;
import dev.quota.redis.RedisStore;
import dev.quota.server.api.OpsRoutes;
import dev.quota.store.Store;

/**
 * Readiness of the counter store, cheap enough for a probe every few seconds: one round trip
 * asking Redis for its time (bounded by the store's timeout), nothing for the in-process store.
 */
final class StoreProbe {
  /**
   * What {@code /health}, which answers without a key, says of a store that does not answer: in
   * plain words, as the API's 503 does, and without the failure's internals (class names, the
   * Redis client's own messages), which go to the server's log with the failed calls.
   */
  static final String DOWN = "the counter store cannot be reached";

  private StoreProbe() {}

  static OpsRoutes.Check of(Store store) {
    if (store instanceof RedisStore redis) {
      return () -> {
        try {
          redis.nowMs();
          return null;
        } catch (StoreUnavailableException e) {
          return DOWN;
        }
      };
    }
    return () -> null;
  }
}
