package dev.quota.redis;

/** The shared store contract, through {@code apply} and {@code applyAsync}, with every decision sent as a call of its own. */
class RedisStoreUnbatchedConformanceTest extends RedisStoreConformanceTest {
  @Override
  RedisStore.Builder configure(RedisStore.Builder builder) {
    return builder.batching(0, 1);
  }
}
