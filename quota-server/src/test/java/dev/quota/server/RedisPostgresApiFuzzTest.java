package dev.quota.server;

import dev.quota.redis.RedisStore;
import java.time.Clock;
import java.util.List;
import java.util.UUID;

/**
 * The API fuzz on the production backends: counters in Redis (a key prefix of its own), the rest in
 * PostgreSQL (a schema of its own), which refuse text H2 and the heap take, such as a NUL.
 */
class RedisPostgresApiFuzzTest extends ApiFuzzTest {
  private final PostgresSchema schema = new PostgresSchema();
  private final String prefix = "qs-fuzz-" + UUID.randomUUID().toString().substring(0, 8) + ":";

  @Override
  TestServer newServer() {
    return TestServer.start(RedisPostgresDecisionApiTest.REDIS, prefix, schema.url(), clock(), List.of());
  }

  /** Redis keeps windows by its own clock, so the server's must be the real one too. */
  @Override
  Clock clock() {
    return Clock.systemUTC();
  }

  /** Fewer than in memory: each request's state is read back from PostgreSQL and Redis. */
  @Override
  int iterations() {
    return Integer.getInteger("quota.fuzz.iterations", 1000);
  }

  @Override
  void cleanUp() {
    schema.drop();
    try (RedisStore store = RedisStore.builder().uri(RedisPostgresDecisionApiTest.REDIS).prefix(prefix).build()) {
      store.deleteAll();
    }
  }
}
