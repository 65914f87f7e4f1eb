package dev.quota.redis;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Redis store on a private three-master Redis Cluster and the in-memory store give the same
 * answers to the same random sequences of calls at the same times (see {@link StoreDifferential};
 * here each plan's ops are one subject's, and a reservation is still filed in two slots: its part
 * beside the counters, its home record beside its id).
 */
class ClusterStoreDifferentialTest {
  private static final AtomicLong offsetMs = new AtomicLong();
  private static RedisClusterProcess cluster;
  private static RedisStore store;

  @BeforeAll
  static void start() throws Exception {
    cluster = new RedisClusterProcess();
    store = RedisStore.builder().uri(cluster.uri()).prefix("diff:").timeout(Duration.ofSeconds(10))
        .testClockOffset(offsetMs::get).build();
  }

  @AfterAll
  static void stop() throws Exception {
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

  @Test
  void randomSequencesGetTheSameAnswersFromBothStores() {
    StoreDifferential run = new StoreDifferential(store, offsetMs, true);
    run.run(StoreDifferential.FIRST_SEED, Math.max(1, StoreDifferential.SEQUENCES / 5), StoreDifferential.STEPS);
    System.out.println("store differential on Redis Cluster: " + run.outcomes);
    if (StoreDifferential.SEQUENCES >= 100) { // not when one sequence is replayed
      run.assertCovered();
    }
  }
}
