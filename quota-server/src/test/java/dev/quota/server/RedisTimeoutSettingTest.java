package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.StoreUnavailableException;
import dev.quota.redis.RedisStore;
import dev.quota.server.config.ConfigLoader;
import dev.quota.server.config.ServerConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The counter store the server opens waits as long as {@code redisTimeout} says: it was built with
 * 500 ms whatever the configuration. With Redis frozen, a call fails naming the configured
 * timeout. Uses a private redis-server on a spare loopback port, frozen and thawed by the test.
 */
class RedisTimeoutSettingTest {
  @TempDir Path dataDir;

  @Test
  void theStoreWaitsTheConfiguredTimeout() throws Exception {
    try (PrivateRedis redis = PrivateRedis.start()) {
      ServerConfig cfg = ConfigLoader.load(new ConfigLoader.Flags(null, 0, dataDir, redis.url(), null, null),
          Map.of("QUOTA_REDIS_TIMEOUT", "PT0.25S", "QUOTA_REDIS_PREFIX", "timeout:"));
      Backends backends = Backends.open(cfg, Clock.systemUTC());
      try {
        RedisStore store = (RedisStore) backends.store();
        store.nowMs(); // opens the connection while Redis answers
        redis.pause();
        try {
          assertThatThrownBy(store::nowMs).isInstanceOf(StoreUnavailableException.class)
              .hasMessage("Redis did not answer within 250 ms");
        } finally {
          redis.resume();
        }
      } finally {
        backends.closeUnstarted();
      }
    }
  }
}
