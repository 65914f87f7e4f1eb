package dev.quota.store;

import dev.quota.plan.CounterKey;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed array of locks that guard a store's counters by hash. A caller locks every stripe its
 * counters fall on, in ascending order, so calls over disjoint counters run in parallel, calls
 * over shared counters serialize, and no two calls deadlock.
 *
 * <p>Each stripe is a cache line of its own holding two words: a holder flag and a version, even
 * while free, odd while held, moved on by every lock and every unlock. Locking is one exchange on
 * the flag, with no read before it: a read would fetch the line shared and the write would then
 * fetch it again, which is what a stripe that two cores take in turn pays most often. The version
 * is then written on a line the holder owns already. Unlocking is two plain release stores, so a
 * decision pays for one fence, not two, and the counters' cache misses need not drain before the
 * call returns. Because every writer moves the version, a reader may also read without locking and
 * trust what it read only if the version it started from is even and unchanged afterwards (see
 * {@link PreparedRate}).
 *
 * <p>Critical sections here last tens of nanoseconds, far less than parking and waking a thread,
 * so a contended stripe is spun on first, reading only, with pauses that double so that waiters
 * leave the line to the holder; then yielded on; only a holder that stays away longer
 * (descheduled, say) makes the waiter sleep, in growing naps. The locks are not reentrant: no code
 * path locks a stripe while holding it.
 */
final class StripeLocks {
  static final int STRIPES = 256;
  /** Read attempts before yielding; the pauses between them double up to {@link #MAX_PAUSES}. */
  private static final int SPINS = 20;
  private static final int MAX_PAUSES = 8;
  private static final int YIELDS = 20;
  private static final long MAX_NAP_NANOS = 1_000_000;
  /** Longs per stripe: one 64-byte line each, so stripes used by different threads do not share one. */
  private static final int SPACING = 8;
  /** Where a stripe's holder flag lies after its version word, on the same line. */
  private static final int FLAG = 1;
  private static final VarHandle WORD = MethodHandles.arrayElementVarHandle(long[].class);

  // One spare line at each end keeps the words off the lines of the array header and its neighbours.
  private final long[] words = new long[(STRIPES + 2) * SPACING];

  private static int at(int stripe) {
    return (stripe + 1) * SPACING;
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
      unlock(stripes[i]);
    }
  }

  void lock(int stripe) {
    int at = at(stripe);
    if ((long) WORD.getAndSet(words, at + FLAG, 1L) != 0L) {
      lockContended(at + FLAG);
    }
    // Only the holder writes the version. Odd before any counter is written: a reader that sees a
    // new counter value then sees the version moved.
    WORD.setOpaque(words, at, (long) WORD.get(words, at) + 1);
    VarHandle.storeStoreFence();
  }

  private void lockContended(int flagAt) {
    long napNanos = 1_000;
    int pauses = 1;
    for (int attempt = 0; ; attempt++) {
      // Exchange only once the flag reads free: waiting by reading leaves the line to the holder.
      if ((long) WORD.getOpaque(words, flagAt) == 0L && (long) WORD.getAndSet(words, flagAt, 1L) == 0L) {
        return;
      }
      if (attempt < SPINS) {
        for (int i = 0; i < pauses; i++) {
          Thread.onSpinWait();
        }
        pauses = Math.min(2 * pauses, MAX_PAUSES);
      } else if (attempt < SPINS + YIELDS) {
        Thread.yield();
      } else {
        LockSupport.parkNanos(napNanos);
        napNanos = Math.min(2 * napNanos, MAX_NAP_NANOS);
      }
    }
  }

  /** Unlocks a stripe this thread holds. */
  void unlock(int stripe) {
    int at = at(stripe);
    long v = (long) WORD.get(words, at);
    if ((v & 1) == 0) {
      throw new IllegalMonitorStateException("stripe " + stripe + " is not locked");
    }
    WORD.setRelease(words, at, v + 1); // after the counters' writes
    WORD.setRelease(words, at + FLAG, 0L); // after the version
  }

  /**
   * The stripe's version before an optimistic read: odd (held by a writer) means the read cannot
   * be trusted whatever follows.
   */
  long version(int stripe) {
    return (long) WORD.getAcquire(words, at(stripe));
  }

  /**
   * True if reads made since {@link #version} returned {@code version} saw no writer: the version
   * was even and no lock was taken since.
   */
  boolean unchangedSince(int stripe, long version) {
    VarHandle.acquireFence(); // the reads before must not drift past the second look at the version
    return (version & 1) == 0 && (long) WORD.getAcquire(words, at(stripe)) == version;
  }

  /** True if some thread holds {@code stripe}; for tests. */
  boolean isLocked(int stripe) {
    return (long) WORD.getVolatile(words, at(stripe) + FLAG) != 0L;
  }
}
