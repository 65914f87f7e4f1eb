package dev.quota.redis;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Redis store and the in-memory store give the same answers to the same random sequences of
 * calls at the same times, on a private redis-server (see {@link StoreDifferential}).
 */
class StoreDifferentialTest {
  private static final AtomicLong offsetMs = new AtomicLong();
  private static RedisServerProcess server;
  private static RedisStore store;

  @BeforeAll
  static void start() throws Exception {
    server = new RedisServerProcess();
    store = RedisStore.builder().uri(server.uri()).prefix("diff:").timeout(Duration.ofSeconds(10))
        .testClockOffset(offsetMs::get).build();
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (store != null) {
        store.close();
      }
    } finally {
      if (server != null) {
        server.close();
      }
    }
  }

  @Test
  void randomSequencesGetTheSameAnswersFromBothStores() {
    StoreDifferential run = new StoreDifferential(store, offsetMs, false);
    run.run(StoreDifferential.FIRST_SEED, StoreDifferential.SEQUENCES, StoreDifferential.STEPS);
    System.out.println("store differential: " + run.outcomes);
    if (StoreDifferential.SEQUENCES >= 100) { // not when one sequence is replayed
      run.assertCovered();
    }
  }
}
