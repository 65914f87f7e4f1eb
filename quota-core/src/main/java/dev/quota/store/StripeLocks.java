package dev.quota.store;

import dev.quota.plan.CounterKey;
import java.util.Arrays;
import java.util.concurrent.locks.StampedLock;

/**
 * A fixed array of locks that guard a store's counters by hash. A caller locks every stripe its
 * counters fall on, in ascending order, so calls over disjoint counters run in parallel, calls
 * over shared counters serialize, and no two calls deadlock.
 *
 * <p>Critical sections here last tens of nanoseconds, far less than parking and waking a thread,
 * so a contended stripe is first spun on briefly; only a holder that stays longer (descheduled,
 * say) makes the waiter park. The locks are {@link StampedLock}s so that a caller may also read
 * optimistically, without writing to the lock's cache line (see {@link PreparedRate}). They are
 * not reentrant: no code path locks a stripe while holding stripes.
 */
final class StripeLocks {
  static final int STRIPES = 256;
  private static final int SPINS = 100;

  private final StampedLock[] locks = new StampedLock[STRIPES];

  StripeLocks() {
    for (int i = 0; i < STRIPES; i++) {
      locks[i] = new StampedLock();
    }
  }

  /** The lock itself, for optimistic reads. */
  StampedLock of(int stripe) {
    return locks[stripe];
  }

  /**
   * A counter's stripe follows its subject alone: a subject's counters are used together, so a
   * plan locks one stripe per subject (3 for user, team and project) rather than one per limit.
   */
  static int stripe(Object key) {
    int hash = key instanceof CounterKey counter ? counter.subject().hashCode() : key.hashCode();
    return (hash ^ (hash >>> 16)) & (STRIPES - 1);
  }

  /** The distinct stripes of {@code keys}, ascending: the order {@link #lock} needs. */
  static int[] stripesOf(Object... keys) {
    int[] s = new int[keys.length];
    for (int i = 0; i < keys.length; i++) {
      s[i] = stripe(keys[i]);
    }
    Arrays.sort(s);
    int distinct = 0;
    for (int i = 0; i < s.length; i++) {
      if (i == 0 || s[i] != s[i - 1]) {
        s[distinct++] = s[i];
      }
    }
    return distinct == s.length ? s : Arrays.copyOf(s, distinct);
  }

  /** Locks {@code stripes}, which must be distinct and ascending. */
  void lock(int[] stripes) {
    for (int s : stripes) {
      lock(s);
    }
  }

  void unlock(int[] stripes) {
    for (int i = stripes.length - 1; i >= 0; i--) {
      locks[stripes[i]].tryUnlockWrite();
    }
  }

  void lock(int stripe) {
    StampedLock lock = locks[stripe];
    if (lock.tryWriteLock() != 0) {
      return;
    }
    for (int i = 0; i < SPINS; i++) {
      Thread.onSpinWait();
      if (!lock.isWriteLocked() && lock.tryWriteLock() != 0) {
        return;
      }
    }
    lock.writeLock();
  }

  void unlock(int stripe) {
    locks[stripe].tryUnlockWrite();
  }
}
