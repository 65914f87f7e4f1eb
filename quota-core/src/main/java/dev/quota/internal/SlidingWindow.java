package dev.quota.internal;

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
 * admissions in one instant) exactly on time. Under sustained overload it admits at least 120/121
 * (99.2%) of what the exact log admits; below the limit the two admit the same.
 *
 * <p>Memory grows only with the slices in use: a subject seen once holds one slice.
 */
public final class SlidingWindow {
  /** Slices per window. Kept below Redis's 128-entry compact-hash threshold. */
  public static final int SLICES = 120;

  private final long windowMs;
  private final long sliceUs;
  private long[] index = new long[2];
  private long[] count = new long[2];
  private long[] lastMs = new long[2];
  private int head;
  private int size;
  private long total;

  public SlidingWindow(long windowMs) {
    this.windowMs = windowMs;
    this.sliceUs = sliceUs(windowMs);
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
    while (size > 0 && lastMs[head] + windowMs < nowMs) {
      total -= count[head];
      head = (head + 1) % index.length;
      size--;
    }
  }

  public long used() {
    return total;
  }

  public boolean isEmpty() {
    return size == 0;
  }

  /** Adds {@code amount} at {@code nowMs}. Call {@link #advance} first. */
  public void add(long nowMs, long amount) {
    long slice = nowMs * 1000 / sliceUs;
    if (size > 0) {
      int tail = (head + size - 1) % index.length;
      if (index[tail] == slice) {
        count[tail] += amount;
        lastMs[tail] = Math.max(lastMs[tail], nowMs);
        total += amount;
        return;
      }
    }
    if (size == index.length) {
      grow();
    }
    int at = (head + size) % index.length;
    index[at] = slice;
    count[at] = amount;
    lastMs[at] = nowMs;
    size++;
    total += amount;
  }

  /** When the oldest slice leaves the window, 0 if nothing is counted. */
  public long resetAtMs() {
    return size == 0 ? 0 : lastMs[head] + windowMs + 1;
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
    for (int i = 0; i < size; i++) {
      int at = (head + i) % index.length;
      freed += count[at];
      if (freed >= excess) {
        return lastMs[at] + windowMs + 1;
      }
    }
    return -1;
  }

  private void grow() {
    int n = index.length;
    int m = Math.min(n * 2, SLICES + 2);
    long[] ni = new long[m];
    long[] nc = new long[m];
    long[] nl = new long[m];
    for (int i = 0; i < size; i++) {
      ni[i] = index[(head + i) % n];
      nc[i] = count[(head + i) % n];
      nl[i] = lastMs[(head + i) % n];
    }
    index = ni;
    count = nc;
    lastMs = nl;
    head = 0;
  }
}
