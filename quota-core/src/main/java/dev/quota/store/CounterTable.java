package dev.quota.store;

import dev.quota.Algorithm;
import dev.quota.internal.SlidingWindow;
import dev.quota.internal.Thresholds;
import dev.quota.internal.TokenBucket;
import dev.quota.plan.BudgetOp;
import dev.quota.plan.CounterKey;
import dev.quota.plan.RateOp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * The counters of a {@link MemoryStore} by key. Callers hold the key's stripe lock for every
 * call but {@link #keys}.
 *
 * <p>Removals are counted, so that a {@link PreparedOps} holding counters it looked up earlier
 * can tell, under its own locks, whether any of them may have been dropped since: a counter is
 * only removed under its stripe's lock, and the count moves before that lock is let go.
 *
 * <p>Resets are counted too, and each budget and slots counter keeps the count at its creation
 * ({@code bornAt}), so a reservation that kept the count when it was made can tell a counter it
 * holds from one its subject started afresh after a reset (see {@link MemoryStore#reset}).
 */
final class CounterTable {
  /** A budget's spend in nano-units in one period, and the highest alert level it has fired. */
  static final class Budget {
    long used;
    /** See {@link Thresholds}. */
    long alertedUpTo = Thresholds.NONE;
    final long endMs;
    /** {@link #resets()} when made. */
    final int bornAt;
    /**
     * The store time of the last decision on it (or of its creation or catch-up), never moved back:
     * it holds the ledger's spend up to then (see {@link Store#catchUp}).
     */
    long touchedMs;

    Budget(long used, long endMs, int bornAt, long touchedMs) {
      this.used = used;
      this.endMs = endMs;
      this.bornAt = bornAt;
      this.touchedMs = touchedMs;
    }

    /** A decision at {@code now} was made on it. */
    void touch(long now) {
      if (now > touchedMs) {
        touchedMs = now;
      }
    }

    /**
     * Charges {@code delta} nano-units (a negative one returns a hold), never going below zero. A
     * count that would pass the largest a long holds stays at it for the counter's period, since
     * its spend is then past every limit: the budget stays exhausted, and no charge is refused for
     * it (a refusal would lose recorded spend). The ledger keeps the exact spend.
     */
    void charge(long delta) {
      if (used == Long.MAX_VALUE) {
        return;
      }
      used = delta > Long.MAX_VALUE - used ? Long.MAX_VALUE : Math.max(0, used + delta);
    }

    /** Whether {@code amount} more fits under {@code limit}; both are at most one amount's maximum, so nothing overflows. */
    boolean hasRoom(long amount, long limit) {
      return used <= limit - amount;
    }
  }

  /**
   * Reservations in flight against a concurrency cap, with the expiry of each: a denied caller is
   * told when the first slot frees by itself. The expiries are kept sorted; reservations of one ttl
   * arrive in expiry order, so a new one lands at the end without moving any.
   */
  static final class Slots {
    private static final long[] NONE = new long[0];

    int inFlight;
    /** The first {@link #inFlight} entries: the expiry of each slot held, soonest first. */
    private long[] expiries = NONE;
    /** {@link #resets()} when made. */
    final int bornAt;

    Slots(int bornAt) {
      this.bornAt = bornAt;
    }

    /** Takes a slot until {@code expiresAtMs}. */
    void hold(long expiresAtMs) {
      if (inFlight == expiries.length) {
        expiries = Arrays.copyOf(expiries, Math.max(4, 2 * inFlight));
      }
      int at = inFlight;
      while (at > 0 && expiries[at - 1] > expiresAtMs) {
        at--;
      }
      System.arraycopy(expiries, at, expiries, at + 1, inFlight - at);
      expiries[at] = expiresAtMs;
      inFlight++;
    }

    /** Frees the slot of a reservation that expires at {@code expiresAtMs}; false if none is held. */
    boolean free(long expiresAtMs) {
      int at = Arrays.binarySearch(expiries, 0, inFlight, expiresAtMs);
      if (at < 0) {
        return false;
      }
      System.arraycopy(expiries, at + 1, expiries, at, inFlight - at - 1);
      inFlight--;
      if (inFlight == 0) {
        expiries = NONE;
      }
      return true;
    }

    /** The expiry of the slot held that is {@code n}th to free by itself, from 0; n < inFlight. */
    long expiryMs(int n) {
      return expiries[n];
    }
  }

  private final Map<CounterKey, Object> counters = new ConcurrentHashMap<>();
  /** The new rate counters each predecessor has seeded. */
  private final CarriedMarks carried = new CarriedMarks();
  private final AtomicLong removals = new AtomicLong();
  private final AtomicInteger resets = new AtomicInteger();
  /** Each subject's latest reset, in store time, until {@link #forgetResetsBefore}. */
  private final Map<String, Long> resetAtMs = new ConcurrentHashMap<>();

  long removals() {
    return removals.get();
  }

  /** Resets of any subject so far; compare two counts by their difference, which survives overflow. */
  int resets() {
    return resets.get();
  }

  /**
   * Counts a reset of {@code subject} at {@code nowMs}, forgetting which new counters its
   * predecessors seeded; the caller holds the subject's stripe and then removes its counters.
   */
  void countReset(String subject, long nowMs) {
    resets.incrementAndGet();
    resetAtMs.merge(subject, nowMs, Math::max);
    carried.forgetSubject(subject);
  }

  /**
   * True if {@code subject} was reset at or after {@code madeAtMs}: a rate counter of it may then
   * be a new one, holding nothing of what a reservation made then took. Rate counters keep no
   * reset count of their own (a window is one small object), so resets are kept by subject.
   */
  boolean resetSince(String subject, long madeAtMs) {
    Long at = resetAtMs.get(subject);
    return at != null && at >= madeAtMs;
  }

  /** The marks of predecessors that seeded new counters ({@link RateCarry}). */
  CarriedMarks carried() {
    return carried;
  }

  /** Forgets resets before {@code beforeMs}: no reservation made before them can still be settled. */
  void forgetResetsBefore(long beforeMs) {
    resetAtMs.values().removeIf(at -> at < beforeMs);
  }

  /**
   * The op's window or bucket, created if absent (starting from what its predecessors count as
   * used, see {@link RateCarry}), moved on to {@code now}. The caller holds the key's stripe, which
   * is its subject's, and so its predecessors' too.
   */
  Object rate(RateOp r, long now) {
    // get() first: a capturing lambda would allocate on every call, and this is the hot path.
    Object c = counters.get(r.key());
    if (c == null) {
      c = counters.computeIfAbsent(r.key(), k -> RateCarry.carry(newRate(r, now), r, counters, carried, now));
    }
    limitTo(c, r);
    advance(c, now);
    return c;
  }

  /** A bucket follows the limit of the op that uses it (see {@link TokenBucket#limitTo}). */
  static void limitTo(Object rate, RateOp r) {
    if (rate instanceof TokenBucket b) {
      b.limitTo(r.limit().limit());
    }
  }

  /**
   * As {@link #rate}, but creates only sliding windows without predecessors: a new window holds no
   * time, so creating it early changes nothing, while a bucket starts full at its creation time
   * (and a counter with predecessors from their use then) and must be created by the call that
   * first uses it. Null if the op's counter does not exist yet.
   */
  Object rateIfTimeless(RateOp r, long now) {
    // A window with predecessors starts from their use at the time it is made: by the call that uses it.
    if (r.limit().algorithm() == Algorithm.SLIDING_WINDOW && r.predecessors().isEmpty()) {
      return rate(r, now);
    }
    Object c = counters.get(r.key());
    if (c != null) {
      limitTo(c, r);
      advance(c, now);
    }
    return c;
  }

  static void advance(Object rate, long now) {
    if (rate instanceof SlidingWindow w) {
      w.advance(now);
    } else {
      ((TokenBucket) rate).advance(now);
    }
  }

  private static Object newRate(RateOp r, long now) {
    long windowMs = r.limit().window().toMillis();
    return r.limit().algorithm() == Algorithm.SLIDING_WINDOW
        ? new SlidingWindow(windowMs)
        : new TokenBucket(r.limit().limit(), windowMs, now);
  }

  /** The counter under {@code key}, or null. */
  Object find(CounterKey key) {
    return counters.get(key);
  }

  /** The budget counter, or null if nothing was charged in its period yet. */
  Budget budget(CounterKey key) {
    return (Budget) counters.get(key);
  }

  /**
   * The op's budget, created at {@code now} if absent: current from then on, and from the op's
   * marker, which may be ahead of this clock (see {@link Store#catchUp}).
   */
  Budget budgetOrNew(BudgetOp b, long now) {
    Budget budget = (Budget) counters.get(b.key());
    return budget != null
        ? budget
        : (Budget) counters.computeIfAbsent(
            b.key(), k -> new Budget(0, b.periodEndMs(), resets(), Math.max(now, b.seedBeforeMs())));
  }

  Slots slots(CounterKey key) {
    return (Slots) counters.get(key);
  }

  Slots slotsOrNew(CounterKey key) {
    Slots s = (Slots) counters.get(key);
    return s != null ? s : (Slots) counters.computeIfAbsent(key, k -> new Slots(resets()));
  }

  boolean contains(CounterKey key) {
    return counters.containsKey(key);
  }

  void seed(CounterKey key, long nanos, long periodEndMs, int firedThresholds, long alertedUpTo, long now) {
    Budget seeded = new Budget(nanos, periodEndMs, resets(), now);
    // Every level the seeded spend reaches counts as alerted, and so does every level up to
    // alertedUpTo (see Store#seed).
    seeded.alertedUpTo = Math.max(firedThresholds != 0 ? nanos : Thresholds.NONE, alertedUpTo);
    counters.putIfAbsent(key, seeded);
  }

  /** Removes the counter under {@code key} if {@code test} accepts it. */
  void removeIf(CounterKey key, Predicate<Object> test) {
    Object c = counters.get(key);
    if (c != null && test.test(c) && counters.remove(key, c)) {
      removals.incrementAndGet();
    }
  }

  /** A snapshot of the keys, to walk without holding any lock. */
  List<CounterKey> keys() {
    return new ArrayList<>(counters.keySet());
  }

  int size() {
    return counters.size();
  }
}
