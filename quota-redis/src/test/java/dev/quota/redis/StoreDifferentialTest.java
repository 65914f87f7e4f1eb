package dev.quota.redis;

import org.junit.jupiter.api.Test;

/**
 * The Redis store and the in-memory store give the same answers to the same random sequences of
 * calls at the same times, on a private redis-server (see {@link StoreDifferential}).
 */
class StoreDifferentialTest {
  @Test
  void randomSequencesGetTheSameAnswersFromBothStores() throws Exception {
    try (RedisServerProcess server = new RedisServerProcess()) {
      StoreDifferential.check(server.uri(), false, StoreDifferential.SEQUENCES, "store differential");
    }
  }
}
