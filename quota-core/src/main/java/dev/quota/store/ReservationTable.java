package dev.quota.store;

/**
 * Held reservations by id: an open-addressed table with linear probing over one array, so an
 * entry costs a reference rather than a map node. Beside each slot it keeps 32 bits of the
 * entry's id hash (0 for an empty slot), so that probing past other entries reads this array alone
 * instead of each entry: with many reservations held those entries are cache misses, the largest
 * cost of filing one. Removal shifts later entries of the run back, leaving no tombstones. Kept
 * between a quarter and half full, shrinking as reservations leave. Not thread-safe.
 */
final class ReservationTable {
  private static final int MIN_CAPACITY = 16;

  private HeldReservation[] slots = new HeldReservation[MIN_CAPACITY];
  /** {@link #tag} of the entry in each slot, 0 where the slot is empty. */
  private int[] tags = new int[MIN_CAPACITY];
  private int size;

  int size() {
    return size;
  }

  /** Files {@code r}; returns the reservation it replaces under the same id, or null. */
  HeldReservation put(HeldReservation r) {
    long h = ReservationIds.hash(r.idHigh, r.idLow);
    int tag = tag(h);
    int mask = slots.length - 1;
    for (int i = home(h, mask); ; i = (i + 1) & mask) {
      int t = tags[i];
      if (t == 0) {
        slots[i] = r;
        tags[i] = tag;
        if (++size > slots.length / 2) {
          resize(slots.length * 2);
        }
        return null;
      }
      if (t == tag) {
        HeldReservation s = slots[i];
        if (s.is(r.idHigh, r.idLow, r.id)) {
          slots[i] = r;
          return s;
        }
      }
    }
  }

  /** The reservation filed under the id, or null. */
  HeldReservation get(long high, long low, String name) {
    int i = indexOf(high, low, name);
    return i < 0 ? null : slots[i];
  }

  /** Removes and returns the reservation filed under the id, or null. */
  HeldReservation remove(long high, long low, String name) {
    int i = indexOf(high, low, name);
    if (i < 0) {
      return null;
    }
    HeldReservation s = slots[i];
    removeAt(i);
    return s;
  }

  /** The slot of the reservation filed under the id, or -1. */
  private int indexOf(long high, long low, String name) {
    long h = ReservationIds.hash(high, low);
    int tag = tag(h);
    int mask = slots.length - 1;
    for (int i = home(h, mask); ; i = (i + 1) & mask) {
      int t = tags[i];
      if (t == 0) {
        return -1;
      }
      if (t == tag && slots[i].is(high, low, name)) {
        return i;
      }
    }
  }

  /** Removes {@code r}, which must be in this table. */
  void remove(HeldReservation r) {
    long h = ReservationIds.hash(r.idHigh, r.idLow);
    int mask = slots.length - 1;
    for (int i = home(h, mask); ; i = (i + 1) & mask) {
      if (slots[i] == r) {
        removeAt(i);
        return;
      }
    }
  }

  private void removeAt(int hole) {
    int mask = slots.length - 1;
    slots[hole] = null;
    tags[hole] = 0;
    size--;
    // Moves back each later entry of the run that may sit at the hole, so every entry stays
    // reachable from its home cell without crossing an empty one.
    for (int i = (hole + 1) & mask; tags[i] != 0; i = (i + 1) & mask) {
      HeldReservation s = slots[i];
      int h = home(ReservationIds.hash(s.idHigh, s.idLow), mask);
      if (((i - h) & mask) >= ((i - hole) & mask)) {
        slots[hole] = s;
        tags[hole] = tags[i];
        slots[i] = null;
        tags[i] = 0;
        hole = i;
      }
    }
    if (size < slots.length / 8 && slots.length > MIN_CAPACITY) {
      resize(slots.length / 2);
    }
  }

  private void resize(int capacity) {
    HeldReservation[] oldSlots = slots;
    int[] oldTags = tags;
    slots = new HeldReservation[capacity];
    tags = new int[capacity];
    int mask = capacity - 1;
    for (int j = 0; j < oldSlots.length; j++) {
      HeldReservation s = oldSlots[j];
      if (s != null) {
        int i = home(ReservationIds.hash(s.idHigh, s.idLow), mask);
        while (tags[i] != 0) {
          i = (i + 1) & mask;
        }
        slots[i] = s;
        tags[i] = oldTags[j];
      }
    }
  }

  /** The cell an id's entry is tried at first: the hash's low bits. */
  private static int home(long h, int mask) {
    return (int) h & mask;
  }

  /** The hash's high half, which {@link #home} does not use; never 0, which marks an empty slot. */
  private static int tag(long h) {
    int t = (int) (h >>> 32);
    return t == 0 ? 1 : t;
  }
}
