package dev.quota.internal;

/**
 * A strict sliding-window counter in O(1) memory.
 *
 * <p>The window is cut into {@link #SLICES} slices of {@code ceil(window / SLICES)} ms. The counter
 * keeps one count per slice that still touches the window, at most {@code SLICES + 1} of them,
 * whatever the limit. A unit admitted in slice {@code b} is counted until slice {@code b + SLICES}
 * ends, which is always at least one full window after the unit itself. So the counter never sees
 * less than the exact sliding log would: no interval of the window's length ever admits more than
 * the limit.
 *
 * <p>Precision: the oldest slice is counted whole until it leaves, so capacity returns up to one
 * slice (window / 120, e.g. 0.5 s of a minute) later than under an exact log. Under sustained
 * overload that costs at most 1/121 of the exact log's throughput (it admits at least 99.17% of
 * it); below the limit the two admit the same.
 *
 * <p>Memory grows with the slices in use: a subject seen once holds one slice.
 */
public final class SlidingWindow {
  /** Slices per window. Kept below Redis's 128-entry compact-hash threshold. */
  public static final int SLICES = 120;

  private final long sliceMs;
  private long[] index = new long[2];
  private long[] count = new long[2];
  private int head;
  private int size;
  private long total;

  public SlidingWindow(long windowMs) {
    this.sliceMs = sliceMs(windowMs);
  }

  public static long sliceMs(long windowMs) {
    return (windowMs + SLICES - 1) / SLICES;
  }

  /** Forgets slices that no longer touch the window ending at {@code nowMs}. */
  public void advance(long nowMs) {
    long oldestLive = nowMs / sliceMs - SLICES;
    while (size > 0 && index[head] < oldestLive) {
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

  /** Adds {@code amount} to the slice holding {@code nowMs}. Call {@link #advance} first. */
  public void add(long nowMs, long amount) {
    long slice = nowMs / sliceMs;
    if (size > 0) {
      int tail = (head + size - 1) % index.length;
      if (index[tail] == slice) {
        count[tail] += amount;
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
    size++;
    total += amount;
  }

  /** When the oldest slice leaves the window, 0 if nothing is counted. */
  public long resetAtMs() {
    return size == 0 ? 0 : (index[head] + SLICES + 1) * sliceMs;
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
        return (index[at] + SLICES + 1) * sliceMs;
      }
    }
    return -1;
  }

  private void grow() {
    int n = index.length;
    long[] ni = new long[Math.min(n * 2, SLICES + 1)];
    long[] nc = new long[ni.length];
    for (int i = 0; i < size; i++) {
      ni[i] = index[(head + i) % n];
      nc[i] = count[(head + i) % n];
    }
    index = ni;
    count = nc;
    head = 0;
  }
}
