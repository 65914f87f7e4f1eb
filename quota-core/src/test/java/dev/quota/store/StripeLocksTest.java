package dev.quota.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class StripeLocksTest {
  private final StripeLocks locks = new StripeLocks();

  /** Plain fields, guarded only by the stripes: lost updates would show as a short count. */
  private long onOne;
  private final long[] onPairs = new long[StripeLocks.STRIPES];

  @Test
  void holdersExcludeEachOtherOnOneStripeAndOnOverlappingSets() throws Exception {
    int threads = 4;
    int rounds = 50_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Callable<Void>> work = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int me = t;
        work.add(() -> {
          int[] pair = StripeLocks.stripesOf(me % 2 == 0 ? "a" : "b", "shared");
          for (int i = 0; i < rounds; i++) {
            locks.lock(7);
            try {
              onOne++;
            } finally {
              locks.unlock(7);
            }
            locks.lock(pair);
            try {
              for (int s : pair) {
                onPairs[s]++;
              }
            } finally {
              locks.unlock(pair);
            }
          }
          return null;
        });
      }
      for (Future<Void> f : pool.invokeAll(work)) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(onOne).isEqualTo((long) threads * rounds);
    assertThat(onPairs[StripeLocks.stripe("shared")]).isEqualTo((long) threads * rounds);
    for (int s = 0; s < StripeLocks.STRIPES; s++) {
      assertThat(locks.isLocked(s)).isFalse();
    }
  }

  @Test
  void anOptimisticReadIsTrustedOnlyIfNoWriterHeldTheStripeMeanwhile() {
    long before = locks.version(3);
    assertThat(locks.unchangedSince(3, before)).isTrue();
    locks.lock(3);
    long during = locks.version(3);
    assertThat(locks.unchangedSince(3, during)).as("read while held").isFalse();
    locks.unlock(3);
    assertThat(locks.unchangedSince(3, before)).as("a writer came and went").isFalse();
    assertThat(locks.unchangedSince(3, locks.version(3))).isTrue();
    assertThat(locks.unchangedSince(4, locks.version(4))).isTrue();
  }

  /**
   * A waiter that has spun, yielded and gone to sleep on a held stripe still takes it once it is
   * freed, and holds it exclusively: optimistic reads fail meanwhile and the holder's writes are seen.
   */
  @Test
  void aWaiterPastSpinningTakesTheStripeOnceFreed() throws Exception {
    locks.lock(9);
    onOne = 41;
    long[] seen = new long[1];
    Thread waiter = new Thread(() -> {
      locks.lock(9);
      try {
        seen[0] = ++onOne;
      } finally {
        locks.unlock(9);
      }
    });
    waiter.start();
    // Parked means it is past its spins and yields, in the naps of the slowest phase.
    while (waiter.getState() != Thread.State.TIMED_WAITING && waiter.isAlive()) {
      Thread.onSpinWait();
    }
    long during = locks.version(9);
    assertThat(locks.unchangedSince(9, during)).as("an optimistic read while held").isFalse();
    assertThat(locks.isLocked(9)).isTrue();
    locks.unlock(9);
    waiter.join();
    assertThat(seen[0]).isEqualTo(42);
    assertThat(locks.isLocked(9)).isFalse();
    assertThat(locks.unchangedSince(9, during)).isFalse();
    assertThat(locks.unchangedSince(9, locks.version(9))).isTrue();
  }

  @Test
  void unlockingAFreeStripeIsABug() {
    assertThatThrownBy(() -> locks.unlock(5)).isInstanceOf(IllegalMonitorStateException.class);
  }
}
