package dev.quota.redis;

import dev.quota.store.Store;
import dev.quota.store.conformance.StoreContract;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** The shared store contract against the real Redis on 127.0.0.1:6379, one key prefix per test. */
class RedisStoreConformanceTest extends StoreContract {
  private final AtomicLong offsetMs = new AtomicLong();
  private RedisStore store;

  @BeforeEach
  void newStore() {
    store =
        RedisStore.builder()
            .prefix("test:conformance:" + UUID.randomUUID() + ":")
            .timeout(Duration.ofSeconds(2))
            .testClockOffset(offsetMs::get)
            .build();
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
