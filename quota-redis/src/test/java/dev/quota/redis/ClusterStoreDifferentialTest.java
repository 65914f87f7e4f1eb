package dev.quota.redis;

import org.junit.jupiter.api.Test;

/**
 * The Redis store on a private three-master Redis Cluster and the in-memory store give the same
 * answers to the same random sequences of calls at the same times (see {@link StoreDifferential};
 * here each plan's ops are one subject's, and a reservation is still filed in two slots: its part
 * beside the counters, its home record beside its id).
 */
class ClusterStoreDifferentialTest {
  @Test
  void randomSequencesGetTheSameAnswersFromBothStores() throws Exception {
    try (RedisClusterProcess cluster = new RedisClusterProcess()) {
      StoreDifferential.check(cluster.uri(), true, Math.max(1, StoreDifferential.SEQUENCES / 5),
          "store differential on Redis Cluster");
    }
  }
}
