package dev.quota.redis;

import dev.quota.store.Store;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The shared store contract against the real Redis on 127.0.0.1:6379, one key prefix per test:
 * decisions through {@code apply}, and in the nested classes through {@code applyAsync}, with
 * decisions sharing calls (the default) and each sent on its own.
 */
class RedisStoreConformanceTest extends RedisStoreContract {
  private final AtomicLong offsetMs = new AtomicLong();
  private RedisStore store;

  @BeforeEach
  void newStore() {
    store = configure(RedisStore.builder())
        .prefix("test:conformance:" + UUID.randomUUID() + ":")
        .timeout(Duration.ofSeconds(2))
        .testClockOffset(offsetMs::get)
        .build();
  }

  RedisStore.Builder configure(RedisStore.Builder builder) {
    return builder;
  }

  @AfterEach
  void dropKeys() {
    store.deleteAll();
    store.close();
  }

  @Override
  protected Store store() {
    return store;
  }

  @Override
  protected void advance(Duration d) {
    offsetMs.addAndGet(d.toMillis());
  }

  @Override
  protected long storeNowMs() {
    return store.nowMs();
  }
}
