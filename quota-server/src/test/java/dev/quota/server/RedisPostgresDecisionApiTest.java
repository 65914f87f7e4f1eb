package dev.quota.server;

import dev.quota.redis.RedisStore;
import java.util.UUID;

/** The decision API on the production backends: counters in Redis (own prefix), the rest in PostgreSQL (own schema). */
class RedisPostgresDecisionApiTest extends PostgresDecisionApiTest {
  static final String REDIS = "redis://127.0.0.1:6379";
  private final String prefix = "qs-test-" + UUID.randomUUID().toString().substring(0, 8) + ":";

  @Override
  TestServer newServer() {
    return TestServer.start(REDIS, prefix, schema.url());
  }

  @Override
  void cleanUp() {
    super.cleanUp();
    try (RedisStore store = RedisStore.builder().uri(REDIS).prefix(prefix).build()) {
      store.deleteAll();
    }
  }
}
