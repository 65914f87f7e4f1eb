package dev.quota.internal;

import dev.quota.RateLimit;

/**
 * A strict sliding-window counter in O(1) memory.
 *
 * <p>Admissions are grouped into at most {@code SLICES + 1} slices of {@code ceil(window / SLICES)}
 * microseconds; each slice keeps its count and the time of its latest admission. A slice is
 * counted, whole, until its latest admission has left the window. Every admission in it is at least
 * as old as that one, so the counter never sees less than an exact sliding log would: no interval
 * of the window's length ever admits more than the limit.
 *
 * <p>Precision: capacity comes back when the last admission of a slice leaves the window, up to
 * one slice (window / 120, 0.5 s of a minute) later than under an exact log, and for bursts (many
 * admissions in one instant) exactly on time. Under sustained steady overload it admits at least
 * 120/121 (99.2%) of what the exact log admits; a slice holding a burst gives its capacity back up
 * to one slice late, so bursty traffic may lose up to one slice's arrivals per window. Below the
 * limit the two admit the same.
 *
 * <p>Memory grows only with the slices in use: a window starts with room for three slices and
 * doubles its ring only when more are in use. The newest slice, and the latest admission of the
 * oldest, live in the window's own fields, because a decision compares the oldest and adds to the
 * newest: while no slice opens or expires, a decision touches this object alone. Older slices wait
 * in a ring of {@code (count, latest admission)} pairs, read only when the oldest slice expires and
 * written only when a new slice opens.
 */
public final class SlidingWindow {
  /** Slices per window. Kept below Redis's 128-entry compact-hash threshold. */
  public static final int SLICES = 120;
  /** The most a window counts, 2^53-1; see {@link #add}. */
  public static final long MAX_USED = RateLimit.MAX_LIMIT;

  // Field order is layout: the fields a decision writes lie together (the JVM fills the 4-byte gap
  // after the header with the int, then puts the longs in the order declared, then the reference),
  // so that they span as few cache lines as they can and the read-only ones after them are not
  // written with them.

  /** Slices in the window, the newest included. */
  private int size;
  private long total;
  /** The latest admission (ms) of the oldest slice: the newest's while it is the only one. */
  private long oldestLatestMs;
  private long newestCount;
  private long newestLatestMs;
  /**
   * Where the newest slice ends, in microseconds (exclusive): a time before it joins that slice.
   * Kept instead of the slice's number so that only opening a slice computes one.
   */
  private long tailEndUs;
  /** The ring position of the oldest slice; a long only to lie with the fields above. */
  private long head;
  private final long windowMs;
  private final long sliceUs;
  /** {@link #reciprocal} of {@code sliceUs}: opening a slice multiplies instead of dividing. */
  private final long sliceReciprocal;
  /**
   * The {@code size - 1} slices older than the newest, from {@code head}: ring[2i] is a slice's
   * count, ring[2i + 1] its latest admission (ms). Made with the window, so that it starts next
   * to it, with room for two: a subject seen twice then allocates nothing more.
   */
  private long[] ring = new long[4];

  public SlidingWindow(long windowMs) {
    this.windowMs = windowMs;
    this.sliceUs = sliceUs(windowMs);
    this.sliceReciprocal = reciprocal(sliceUs);
  }

  /** Slice length in microseconds; a store in another language must use the same arithmetic. */
  public static long sliceUs(long windowMs) {
    return (windowMs * 1000 + SLICES - 1) / SLICES;
  }

  /**
   * Forgets slices whose latest admission has left the window ending at {@code nowMs}. Times are
   * whole milliseconds, so an admission stamped {@code t} may really have happened up to 1 ms
   * later; it is therefore kept until {@code t + window + 1}, which stays strict in real time.
   */
  public void advance(long nowMs) {
    while (size > 0 && oldestLatestMs + windowMs < nowMs) {
      if (size == 1) {
        size = 0;
        total = 0;
        newestCount = 0;
        return;
      }
      int oldest = (int) head;
      total -= ring[2 * oldest];
      oldest = next(oldest);
      head = oldest;
      size--;
      oldestLatestMs = size == 1 ? newestLatestMs : ring[2 * oldest + 1];
    }
  }

  public long used() {
    return total;
  }

  public boolean isEmpty() {
    return size == 0;
  }

  /**
   * What the slices whose latest admission lies within {@code spanMs} before {@code nowMs} count,
   * each whole: no fewer than the admissions of that span, as a slice's admissions are all at
   * least as old as its latest. Call {@link #advance} first.
   */
  public long usedWithin(long nowMs, long spanMs) {
    if (size == 0 || newestLatestMs + spanMs < nowMs) {
      return 0;
    }
    if (oldestLatestMs + spanMs >= nowMs) {
      return total;
    }
    // Latest admissions rise from the oldest slice to the newest: walk back until one is too old.
    long used = newestCount;
    for (int i = size - 2; i >= 0; i--) {
      int at = 2 * slot(i);
      if (ring[at + 1] + spanMs < nowMs) {
        break;
      }
      used += ring[at];
    }
    return used;
  }

  /**
   * Adds {@code amount} at {@code nowMs}. Call {@link #advance} first.
   *
   * <p>Time may step back: callers read the clock before they take the counter's lock, and clocks
   * are adjusted. An admission older than the newest slice joins that slice, so it is counted at
   * least as long as it should be (never less: the window stays strict), and slices stay in
   * order, at most {@code SLICES + 2} of them.
   *
   * <p>Adding nothing (a call that names none of the window's meter) changes nothing: no slice
   * opens for it.
   *
   * <p>The total saturates at {@link #MAX_USED}: what a charge adds beyond it is not counted (a
   * window that full refuses any positive amount until slices leave it), so the total and every
   * slice stay exact where JSON clients and the Redis store's doubles read them.
   */
  public void add(long nowMs, long amount) {
    amount = Math.min(amount, MAX_USED - total);
    if (amount <= 0) {
      return; // a slice of nothing would only move the window's reset later
    }
    long nowUs = nowMs * 1000;
    total += amount;
    if (size > 0 && nowUs < tailEndUs) {
      newestCount += amount;
      if (nowMs > newestLatestMs) {
        newestLatestMs = nowMs;
        if (size == 1) {
          oldestLatestMs = nowMs;
        }
      }
      return;
    }
    if (size > 0) {
      // The newest slice becomes the youngest of the older ones.
      if (2 * (size - 1) == ring.length) {
        grow();
      }
      int at = 2 * slot(size - 1);
      ring[at] = newestCount;
      ring[at + 1] = newestLatestMs;
    } else {
      oldestLatestMs = nowMs;
    }
    newestCount = amount;
    newestLatestMs = nowMs;
    tailEndUs = (divide(nowUs, sliceUs, sliceReciprocal) + 1) * sliceUs;
    size++;
  }

  /**
   * Takes back up to {@code amount} of what {@link #add} counted at {@code atMs} (a reservation
   * that used less than it took): from the slice that holds that time or, if none does, from the
   * newest older one. Call {@link #advance} first.
   *
   * <p>An admission is counted in the slice of its time or a newer one (one whose clock reading was
   * older than the newest slice joined that slice), never an older one. Taking back from an older
   * slice than the admission's keeps the window strict: until that slice leaves, the total is what
   * it would be; after, the window counts the newer slice in full, more than the truth. A newer
   * one would count less than it holds once the older left, so none is touched. What has left the
   * window already is not taken back.
   */
  public void takeBack(long atMs, long amount) {
    if (size == 0 || amount <= 0) {
      return;
    }
    long slice = Math.floorDiv(atMs * 1000, sliceUs);
    if (tailEndUs / sliceUs - 1 <= slice) {
      long back = Math.min(newestCount, amount);
      newestCount -= back;
      total -= back;
      if (newestCount == 0 && size > 1) {
        dropEmptyNewest();
      }
      dropEmptyOldest();
      return;
    }
    for (int i = size - 2; i >= 0; i--) {
      int at = 2 * slot(i);
      // A slice's latest admission lies in its own interval, which names it.
      if (Math.floorDiv(ring[at + 1] * 1000, sliceUs) <= slice) {
        long back = Math.min(ring[at], amount);
        ring[at] -= back;
        total -= back;
        dropEmptyOldest();
        return;
      }
    }
  }

  /**
   * An emptied newest slice leaves the window, as if never opened: the one before is the newest
   * again, still open to later admissions of its interval. (An emptied slice between others stays,
   * counting nothing, until it leaves the window: removing it would move the ring.)
   */
  private void dropEmptyNewest() {
    int at = 2 * slot(size - 2);
    newestCount = ring[at];
    newestLatestMs = ring[at + 1];
    tailEndUs = (Math.floorDiv(newestLatestMs * 1000, sliceUs) + 1) * sliceUs;
    size--;
    if (size == 1) {
      oldestLatestMs = newestLatestMs;
    }
  }

  /** Emptied slices at the old end leave at once, so the window reports when capacity really returns. */
  private void dropEmptyOldest() {
    while (size > 1 && ring[2 * (int) head] == 0) {
      head = next((int) head);
      size--;
      oldestLatestMs = size == 1 ? newestLatestMs : ring[2 * (int) head + 1];
    }
    if (size == 1 && newestCount == 0) {
      size = 0;
    }
  }

  /**
   * True if nothing leaves the window by {@code nowMs} and {@code amount} more does not fit under
   * {@code limit}: {@link #advance} would change nothing and the request would be refused. Reads
   * the state once and never throws, so it may be called without the lock, provided the caller
   * discards the answer unless it can prove no writer ran meanwhile.
   */
  public boolean fullWithoutAdvancing(long nowMs, long amount, long limit) {
    int n = size;
    long oldest = oldestLatestMs;
    long t = total;
    return n > 0 && oldest + windowMs >= nowMs && t + amount > limit;
  }

  /** When the oldest slice leaves the window, 0 if nothing is counted. */
  public long resetAtMs() {
    return size == 0 ? 0 : oldestLatestMs + windowMs + 1;
  }

  /** The earliest time {@code amount} more fits under {@code limit}; -1 if it never can. */
  public long retryAtMs(long nowMs, long amount, long limit) {
    if (amount > limit) {
      return -1;
    }
    long excess = total + amount - limit;
    if (excess <= 0) {
      return nowMs;
    }
    long freed = 0;
    for (int i = 0; i < size - 1; i++) {
      int at = 2 * slot(i);
      freed += ring[at];
      if (freed >= excess) {
        return ring[at + 1] + windowMs + 1;
      }
    }
    return size > 0 && freed + newestCount >= excess ? newestLatestMs + windowMs + 1 : -1;
  }

  /**
   * {@code floor((2^64 - 1) / d)} for a divisor of at least 2, which fits a signed long; 0 (no
   * reciprocal: {@link #divide} divides) for smaller divisors.
   */
  static long reciprocal(long d) {
    return d >= 2 ? Long.divideUnsigned(-1L, d) : 0;
  }

  /**
   * {@code n / d} as Java divides, with {@code r = reciprocal(d)}. With many keys almost every
   * admission opens a slice, and a 64-bit division costs tens of cycles where a multiplication
   * costs a few. For {@code 0 <= n < 2^63} the high half of {@code n * r} is {@code n / d} or one
   * less: {@code r} is below {@code 2^64 / d} by at most one, so {@code n * r} is below
   * {@code 2^64 n / d} by at most {@code n}, under half of {@code 2^64}. One remainder test puts it
   * right.
   */
  static long divide(long n, long d, long r) {
    if (n < 0 || r == 0) {
      return n / d;
    }
    long q = Math.multiplyHigh(n, r);
    return n - q * d >= d ? q + 1 : q;
  }

  /** The ring position of the {@code i}-th slice from the oldest. */
  private int slot(int i) {
    int at = (int) head + i;
    int capacity = ring.length / 2;
    return at < capacity ? at : at - capacity;
  }

  private int next(int at) {
    return at + 1 == ring.length / 2 ? 0 : at + 1;
  }

  private void grow() {
    int capacity = ring.length / 2;
    long[] bigger = new long[2 * Math.min(capacity * 2, SLICES + 2)];
    for (int i = 0; i < size - 1; i++) {
      int from = 2 * slot(i);
      bigger[2 * i] = ring[from];
      bigger[2 * i + 1] = ring[from + 1];
    }
    ring = bigger;
    head = 0;
  }
}
