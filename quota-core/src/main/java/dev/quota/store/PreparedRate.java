package dev.quota.store;

import dev.quota.internal.SlidingWindow;
import dev.quota.internal.TokenBucket;
import dev.quota.plan.RateOp;

/** {@link PreparedOps} for a single rate limit. */
final class PreparedRate extends PreparedOps {
  /**
   * First of the references: a collector that moves these objects copies what the first field
   * points to right after the object, so the counter, read next on every call, lands beside it.
   */
  private Object counter;
  private final MemoryStore store;
  private final CounterTable table;
  private final RateOp op;
  private final int stripe;
  private final long amount;
  private final long limit;
  private final boolean enforced;
  private long lookedUpAtRemovals = -1;
  /**
   * Whether the last locked call denied: only then is a lock-free denial tried first. Admitting
   * keys skip it, as its reads would only delay the lock. A hint, read without the lock, and kept
   * here rather than in the window: read before the lock, a field on the window's line would
   * fetch that line once to read and again to write when two cores take turns on one key.
   */
  private boolean denying;

  PreparedRate(MemoryStore store, CounterTable table, RateOp op, Object source) {
    super(source);
    this.store = store;
    this.table = table;
    this.op = op;
    this.stripe = StripeLocks.stripe(op.key());
    this.amount = op.amount();
    this.limit = op.limit().limit();
    this.enforced = op.enforced();
    lookUpNow();
  }

  /**
   * Finds the counter while preparing (creating it if it is a window), so that it is allocated
   * next to this object rather than wherever the first call happens to run; a bucket not yet
   * there is left to the first call.
   */
  private void lookUpNow() {
    StripeLocks locks = store.locks();
    locks.lock(stripe);
    try {
      counter = table.rateIfTimeless(op, store.now());
      if (counter != null) {
        lookedUpAtRemovals = table.removals();
      }
    } finally {
      locks.unlock(stripe);
    }
  }

  @Override
  public int tryConsume(int[] fired, long[] used) {
    store.releaseExpired();
    StripeLocks locks = store.locks();
    // Judged at the time read here: at worst a denial microseconds early, never an extra admission.
    if (enforced && denying && counter instanceof SlidingWindow w && surelyFull(locks, w, store.now())) {
      return DENIED;
    }
    locks.lock(stripe);
    try {
      long now = store.now();
      Object c = counter;
      long removals = table.removals();
      if (lookedUpAtRemovals != removals) {
        lookedUpAtRemovals = removals;
        c = counter = table.rate(op, now);
      }
      boolean room;
      if (c instanceof SlidingWindow w) {
        w.advance(now);
        room = !enforced || w.used() + amount <= limit;
        if (room) {
          w.add(now, amount);
        }
      } else {
        TokenBucket b = (TokenBucket) c;
        b.limitTo(limit); // another plan may have used it under another limit since
        b.advance(now);
        room = !enforced || b.hasRoom(amount);
        if (room) {
          b.take(amount);
        }
      }
      if (denying == room) {
        denying = !room; // written only when it changes: callers on other cores keep their copy
      }
      return room ? ADMITTED : DENIED;
    } finally {
      locks.unlock(stripe);
    }
  }

  /**
   * A denial without taking the lock: true only if, in a state no writer touched while it was
   * read, the window has nothing to drop by {@code now} and no room for {@code amount}, which is
   * exactly when the locked path would deny. Under a hot key, denials then only read the
   * counter's cache lines instead of writing the lock's.
   */
  private boolean surelyFull(StripeLocks locks, SlidingWindow w, long now) {
    long version = locks.version(stripe);
    return (version & 1) == 0
        && lookedUpAtRemovals == table.removals()
        && counter == w // read again after the version: still the counter in use
        && w.fullWithoutAdvancing(now, amount, limit)
        && locks.unchangedSince(stripe, version);
  }
}
