package dev.quota.store;

/**
 * Held reservations by id: an open-addressed table with linear probing over one array, so an
 * entry costs a reference rather than a map node. Removal shifts later entries of the run back,
 * leaving no tombstones. Kept between a quarter and half full, shrinking as reservations leave.
 * Not thread-safe.
 */
final class ReservationTable {
  private static final int MIN_CAPACITY = 16;

  private HeldReservation[] slots = new HeldReservation[MIN_CAPACITY];
  private int size;

  int size() {
    return size;
  }

  /** Files {@code r}; returns the reservation it replaces under the same id, or null. */
  HeldReservation put(HeldReservation r) {
    int mask = slots.length - 1;
    for (int i = home(r.idHigh, r.idLow, mask); ; i = (i + 1) & mask) {
      HeldReservation s = slots[i];
      if (s == null) {
        slots[i] = r;
        if (++size > slots.length / 2) {
          resize(slots.length * 2);
        }
        return null;
      }
      if (s.is(r.idHigh, r.idLow, r.id)) {
        slots[i] = r;
        return s;
      }
    }
  }

  /** Removes and returns the reservation filed under the id, or null. */
  HeldReservation remove(long high, long low, String name) {
    int mask = slots.length - 1;
    for (int i = home(high, low, mask); ; i = (i + 1) & mask) {
      HeldReservation s = slots[i];
      if (s == null) {
        return null;
      }
      if (s.is(high, low, name)) {
        removeAt(i);
        return s;
      }
    }
  }

  /** Removes {@code r}, which must be in this table. */
  void remove(HeldReservation r) {
    int mask = slots.length - 1;
    for (int i = home(r.idHigh, r.idLow, mask); ; i = (i + 1) & mask) {
      if (slots[i] == r) {
        removeAt(i);
        return;
      }
    }
  }

  private void removeAt(int hole) {
    int mask = slots.length - 1;
    slots[hole] = null;
    size--;
    // Moves back each later entry of the run that may sit at the hole, so every entry stays
    // reachable from its home cell without crossing an empty one.
    for (int i = (hole + 1) & mask; slots[i] != null; i = (i + 1) & mask) {
      HeldReservation s = slots[i];
      int h = home(s.idHigh, s.idLow, mask);
      if (((i - h) & mask) >= ((i - hole) & mask)) {
        slots[hole] = s;
        slots[i] = null;
        hole = i;
      }
    }
    if (size < slots.length / 8 && slots.length > MIN_CAPACITY) {
      resize(slots.length / 2);
    }
  }

  private void resize(int capacity) {
    HeldReservation[] old = slots;
    slots = new HeldReservation[capacity];
    int mask = capacity - 1;
    for (HeldReservation s : old) {
      if (s != null) {
        int i = home(s.idHigh, s.idLow, mask);
        while (slots[i] != null) {
          i = (i + 1) & mask;
        }
        slots[i] = s;
      }
    }
  }

  private static int home(long high, long low, int mask) {
    long h = ReservationIds.hash(high, low);
    return (int) (h ^ (h >>> 32)) & mask;
  }
}
