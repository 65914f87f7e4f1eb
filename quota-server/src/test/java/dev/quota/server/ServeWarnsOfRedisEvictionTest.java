package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Redis that evicts keys when full can drop one budget counter while keeping the epoch marker
 * that tells a server Redis lost its data; the budget then starts again at zero instead of being
 * rebuilt from the ledger. Nothing said so: serve now names such a policy at start.
 */
class ServeWarnsOfRedisEvictionTest {
  private static final String WARNING = "Redis may evict keys when full (maxmemory-policy allkeys-lru): a budget"
      + " counter it evicts starts again at zero; run the Redis Quota uses with maxmemory-policy noeviction";

  @TempDir Path dir;

  @Test
  void aRedisThatMayEvictKeysIsNamedAtStartOnTheOutputAndInTheLog() throws Exception {
    try (PrivateRedis redis = PrivateRedis.start()) {
      redis.config("maxmemory-policy", "allkeys-lru");
      try (ServerProcess server = ServerProcess.launch(dir.resolve("evicting"), Map.of(), "--redis", redis.url())) {
        assertThat(server.output().lines()).as(server.output())
            .containsOnlyOnce(WARNING)
            .anySatisfy(line -> assertThat(line).contains(" WARN ").endsWith(" - " + WARNING));
      }
    }
  }

  @Test
  void aRedisThatNeverEvictsIsStartedOnQuietly() throws Exception {
    try (PrivateRedis redis = PrivateRedis.start()) {
      redis.config("maxmemory-policy", "noeviction");
      try (ServerProcess server = ServerProcess.launch(dir.resolve("keeping"), Map.of(), "--redis", redis.url())) {
        assertThat(server.admin().get("/health").status()).isEqualTo(200);
        assertThat(server.output()).as(server.output()).doesNotContain("maxmemory-policy");
      }
    }
  }
}
