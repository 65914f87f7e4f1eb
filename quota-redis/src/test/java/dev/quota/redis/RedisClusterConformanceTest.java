package dev.quota.redis;

import dev.quota.store.Store;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The shared store contract against a real three-master Redis Cluster. Its multi-subject plans
 * (user and team) span slots, so they run the reserve-then-compensate protocol. Every test uses
 * fresh subjects and ids, so one cluster and one store serve the whole class, and the nested class
 * that runs the contract again through {@code applyAsync}.
 */
class RedisClusterConformanceTest extends RedisStoreContract {
  private static RedisClusterProcess cluster;
  private static RedisStore store;
  private static final AtomicLong offsetMs = new AtomicLong();

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = new RedisClusterProcess();
    store =
        RedisStore.builder()
            .uri(cluster.uri())
            .prefix("test:cluster:" + UUID.randomUUID() + ":")
            .timeout(Duration.ofSeconds(2))
            .testClockOffset(offsetMs::get)
            .build();
  }

  @AfterAll
  static void stopCluster() throws Exception {
    try {
      if (store != null) {
        store.close();
      }
    } finally {
      if (cluster != null) {
        cluster.close();
      }
    }
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
