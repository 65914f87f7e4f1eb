package dev.quota.store;

import java.util.Arrays;

/**
 * Held reservations by expiry time, soonest first: a binary min-heap in two parallel arrays, the
 * times in a {@code long[]} (so sifting reads no reservation) and the reservations beside them.
 * Each reservation knows its position, so a settled one leaves in O(log n) rather than lingering
 * until its time. Reservations of one ttl arrive in time order, so adding one rarely moves any.
 * Not thread-safe.
 */
final class ExpiryHeap {
  private static final int MIN_CAPACITY = 16;

  private long[] atMs = new long[MIN_CAPACITY];
  private HeldReservation[] items = new HeldReservation[MIN_CAPACITY];
  private int size;

  int size() {
    return size;
  }

  /** The soonest expiry time, or {@link Long#MAX_VALUE} if nothing is held. */
  long firstAtMs() {
    return size == 0 ? Long.MAX_VALUE : atMs[0];
  }

  void add(HeldReservation r, long expiresAtMs) {
    if (size == items.length) {
      resize(2 * size);
    }
    siftUp(size++, r, expiresAtMs);
  }

  /** When {@code r}, which must be in this heap, expires. */
  long atMs(HeldReservation r) {
    return atMs[r.heapIndex];
  }

  /** Removes and returns the reservation that expires first; the heap must not be empty. */
  HeldReservation poll() {
    HeldReservation first = items[0];
    removeAt(0);
    return first;
  }

  /** Removes {@code r}, which must be in this heap. */
  void remove(HeldReservation r) {
    removeAt(r.heapIndex);
  }

  private void removeAt(int i) {
    items[i].heapIndex = -1;
    int last = --size;
    HeldReservation moved = items[last];
    long movedAt = atMs[last];
    items[last] = null;
    if (i != last) {
      // The last entry fills the hole: it may belong lower (usual) or, after a mid-heap removal, higher.
      siftDown(i, moved, movedAt);
      if (items[i] == moved) {
        siftUp(i, moved, movedAt);
      }
    }
    if (size < items.length / 4 && items.length > MIN_CAPACITY) {
      resize(Math.max(MIN_CAPACITY, items.length / 2));
    }
  }

  private void siftUp(int i, HeldReservation r, long at) {
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (atMs[parent] <= at) {
        break;
      }
      place(i, items[parent], atMs[parent]);
      i = parent;
    }
    place(i, r, at);
  }

  private void siftDown(int i, HeldReservation r, long at) {
    int half = size >>> 1;
    while (i < half) {
      int child = 2 * i + 1;
      int right = child + 1;
      if (right < size && atMs[right] < atMs[child]) {
        child = right;
      }
      if (at <= atMs[child]) {
        break;
      }
      place(i, items[child], atMs[child]);
      i = child;
    }
    place(i, r, at);
  }

  private void place(int i, HeldReservation r, long at) {
    items[i] = r;
    atMs[i] = at;
    r.heapIndex = i;
  }

  private void resize(int capacity) {
    atMs = Arrays.copyOf(atMs, capacity);
    items = Arrays.copyOf(items, capacity);
  }
}
