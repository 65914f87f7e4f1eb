package dev.quota.store;

/**
 * What became of recently settled or expired reservations, so a retried commit or release is
 * answered "repeated" (or "conflict", or "expired") instead of "unknown". Fixed memory, no
 * allocation: a ring of the newest {@code capacity} outcomes, found through an open-addressed
 * index of 64-bit hashes of their ids.
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
  /** The ring: entry i is {@code entries[WIDTH * i + ID .. WIDTH * i + AT]}. */
  private final long[] entries;
  /** Index cells: ring slot + 1, or 0 when empty. */
  private final int[] index;
  private int next;

  SettledLog(int capacity, long ttlMs) {
    this.ttlMs = ttlMs;
    this.capacity = capacity;
    entries = new long[WIDTH * capacity];
    index = new int[Integer.highestOneBit(Math.max(capacity, 4) * 4 - 1) << 1];
  }

  void add(String id, String fingerprint, long heldNanos, boolean expired, long nowMs) {
    add(HeldReservation.idHash(id), fingerprint, heldNanos, expired, nowMs);
  }

  /** As {@link #add(String, String, long, boolean, long)}, for the id's {@link HeldReservation#idHash}. */
  synchronized void add(long idHash, String fingerprint, long heldNanos, boolean expired, long nowMs) {
    int slot = next;
    next = next + 1 == capacity ? 0 : next + 1;
    long h = idHash;
    int e = WIDTH * slot;
    entries[e + ID] = h;
    entries[e + FINGERPRINT] = ReservationIds.hash(fingerprint);
    entries[e + HELD] = heldNanos;
    entries[e + AT] = expired ? -nowMs - 1 : nowMs;
    index[cellFor(h)] = slot + 1;
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
      int slot = index[c] - 1;
      if (slot >= 0 && entries[WIDTH * slot + ID] == h) {
        int e = WIDTH * slot;
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
   * The index cell for a new entry: the first in its probe window that is empty, already points
   * at this id, or points at an entry whose own window does not cover it (left behind by an entry
   * the ring overwrote); failing that, the cell of the oldest entry in the window, which is dropped.
   */
  private int cellFor(long h) {
    int mask = index.length - 1;
    int oldestCell = -1;
    int oldestAge = -1;
    for (int i = 0, c = home(h); i < PROBES; i++, c = (c + 1) & mask) {
      int slot = index[c] - 1;
      long occupant = slot < 0 ? 0 : entries[WIDTH * slot + ID];
      if (slot < 0 || occupant == h || ((c - home(occupant)) & mask) >= PROBES) {
        return c;
      }
      int age = (next - 1 - slot + capacity) % capacity;
      if (age > oldestAge) {
        oldestAge = age;
        oldestCell = c;
      }
    }
    return oldestCell;
  }

  private int home(long h) {
    return (int) (h ^ (h >>> 32)) & (index.length - 1);
  }
}
