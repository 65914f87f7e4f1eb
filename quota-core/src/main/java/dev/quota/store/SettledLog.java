package dev.quota.store;

/**
 * What became of recently settled or expired reservations, so a retried commit or release is
 * answered "repeated" (or "conflict", or "expired") instead of "unknown". Fixed memory, no
 * allocation: a ring of the newest {@code capacity} outcomes, found through an open-addressed
 * index of 64-bit hashes of their ids.
 *
 * <p>An index cell holds a tag (the hash's upper half) and the sequence number of the write it
 * points at, so a probe reads only the index: whether a cell is free, stale (the ring has since
 * overwritten its entry) or the oldest of its window is known without touching the ring, whose
 * entries lie in random places and would cost a cache miss each. The ring is read only when a
 * tag matches.
 *
 * <p>Forgetting is always safe here: the log is consulted only for reservations no longer active,
 * so an outcome forgotten early (the ring wrapped, a crowded index cell was taken over) or mistaken
 * through a hash collision changes only the answer's status, never applies a settlement twice.
 */
final class SettledLog {
  /** What a retry is told. */
  record Outcome(boolean expired, boolean sameSettlement, long heldNanos) {}

  private static final int PROBES = 16;

  /** Longs per entry, side by side so that adding or finding one touches one cache line. */
  private static final int WIDTH = 4;
  private static final int ID = 0;
  private static final int FINGERPRINT = 1;
  private static final int HELD = 2;
  /** When the entry was settled, negative for an expiry. */
  private static final int AT = 3;

  private final long ttlMs;
  private final int capacity;
  /** The ring: the write numbered {@code seq} is {@code entries[WIDTH * (seq % capacity) + ID .. + AT]}. */
  private final long[] entries;
  /** Index cells: the id hash's upper half, then the low 32 bits of the write's number + 1 (0: empty). */
  private final long[] index;
  /** Writes so far; the next one is numbered {@code written}. */
  private long written;

  SettledLog(int capacity, long ttlMs) {
    this.ttlMs = ttlMs;
    this.capacity = capacity;
    entries = new long[WIDTH * capacity];
    index = new long[Integer.highestOneBit(Math.max(capacity, 4) * 2 - 1) << 1];
  }

  void add(String id, String fingerprint, long heldNanos, boolean expired, long nowMs) {
    add(HeldReservation.idHash(id), fingerprint, heldNanos, expired, nowMs);
  }

  /** As {@link #add(String, String, long, boolean, long)}, for the id's {@link HeldReservation#idHash}. */
  synchronized void add(long idHash, String fingerprint, long heldNanos, boolean expired, long nowMs) {
    long h = idHash;
    int cell = cellFor(h);
    long seq = written++;
    int e = WIDTH * (int) (seq % capacity);
    entries[e + ID] = h;
    entries[e + FINGERPRINT] = ReservationIds.hash(fingerprint);
    entries[e + HELD] = heldNanos;
    entries[e + AT] = expired ? -nowMs - 1 : nowMs;
    index[cell] = (h & 0xFFFF_FFFF_0000_0000L) | ((seq + 1) & 0xFFFF_FFFFL);
  }

  /** The outcome for {@code id} if it was settled within the last TTL and is still remembered; else null. */
  Outcome find(String id, String fingerprint, long nowMs) {
    return find(HeldReservation.idHash(id), fingerprint, nowMs);
  }

  /** As {@link #find(String, String, long)}, for the id's {@link HeldReservation#idHash}. */
  synchronized Outcome find(long idHash, String fingerprint, long nowMs) {
    long h = idHash;
    int mask = index.length - 1;
    for (int i = 0, c = home(h); i < PROBES; i++, c = (c + 1) & mask) {
      long cell = index[c];
      if (cell != 0 && sameTag(cell, h) && age(cell) < capacity) {
        int e = WIDTH * slot(cell);
        if (entries[e + ID] != h) {
          continue; // the upper halves matched, the ids do not
        }
        long at = entries[e + AT];
        long settledAt = at < 0 ? -at - 1 : at;
        if (settledAt + ttlMs <= nowMs) {
          return null;
        }
        return new Outcome(at < 0, entries[e + FINGERPRINT] == ReservationIds.hash(fingerprint), entries[e + HELD]);
      }
    }
    return null;
  }

  /**
   * The index cell for a new entry: the first in its probe window that is empty, stale (its entry
   * was overwritten by the ring) or already points at this id; failing that, the cell of the oldest
   * entry in the window, which is dropped.
   */
  private int cellFor(long h) {
    int mask = index.length - 1;
    int oldestCell = -1;
    long oldestAge = -1;
    for (int i = 0, c = home(h); i < PROBES; i++, c = (c + 1) & mask) {
      long cell = index[c];
      if (cell == 0) {
        return c;
      }
      long age = age(cell);
      if (age >= capacity || (sameTag(cell, h) && entries[WIDTH * slot(cell) + ID] == h)) {
        return c;
      }
      if (age > oldestAge) {
        oldestAge = age;
        oldestCell = c;
      }
    }
    return oldestCell;
  }

  private static boolean sameTag(long cell, long h) {
    return ((cell ^ h) & 0xFFFF_FFFF_0000_0000L) == 0;
  }

  /**
   * Writes made since the cell's (0 for the newest), counted modulo 2^32: a cell untouched for 2^32
   * writes may look younger than it is, which at worst keeps it a while longer, never finds it.
   */
  private long age(long cell) {
    long seq = (cell & 0xFFFF_FFFFL) - 1;
    return (written - 1 - seq) & 0xFFFF_FFFFL;
  }

  /** The ring slot of the cell's write: its number modulo the capacity, recovered from its age. */
  private int slot(long cell) {
    return (int) ((written - 1 - age(cell)) % capacity);
  }

  private int home(long h) {
    return (int) (h ^ (h >>> 32)) & (index.length - 1);
  }
}
