package dev.quota.store;

import dev.quota.internal.PlanCache;
import dev.quota.plan.CounterOp;
import java.util.Arrays;
import java.util.List;

/**
 * What the store works out from a plan's ops on every call, worked out once per ops list: the
 * stripes to lock, the kind, hash and hold of the reservation shape the ops make, and the ops'
 * counters as last looked up. The engine hands the store one list for every plan it builds from
 * the same cached compilation, so a request made again finds these by the list's identity instead
 * of hashing every key, sorting stripes and searching the counter table again.
 *
 * <p>Sets chosen by identity hash, without locks: an entry's fixed parts are final, so a reader
 * sees a whole entry, and callers that race on a set only work the same thing out again. A
 * list seen once (a request with no cached compilation) costs one entry more than before, no more.
 */
final class DerivedOps {
  /** What one ops list makes. */
  static final class Entry {
    final List<CounterOp> ops;
    /** Shared: must not be changed. */
    final int[] stripes;
    final boolean uniform;
    final int shapeHash;
    final long hold;
    /**
     * {@code counters[i]} is op i's counter as last looked up, or null. Guarded by the ops' stripe
     * locks, which every caller of one list holds, since the list decides the stripes.
     */
    private final Object[] counters;
    private long lookedUpAtRemovals = -1;
    /**
     * The shape last made for these ops, kept once its last holder has left so that the next
     * reservation of these ops takes it up again rather than making another: a caller that
     * reserves and settles in turn held a new shape for every call. Guarded by the lock of the
     * {@link HeldReservations} that owns the {@link ShapeTable}.
     */
    ReservationShape spareShape;

    private Entry(List<CounterOp> ops) {
      this.ops = ops;
      this.stripes = MemoryStore.stripesOf(ops, null);
      this.uniform = ReservationShape.isUniform(ops);
      this.shapeHash = ReservationShape.hash(ops, uniform);
      this.hold = ReservationShape.holdOf(ops, uniform);
      this.counters = new Object[ops.size()];
    }

    static Entry of(List<CounterOp> ops) {
      return new Entry(ops);
    }

    /**
     * The counters looked up for these ops, to be read and filled in by a caller holding
     * {@link #stripes}: all null at first, and again once {@code table} has removed any counter
     * since they were found. A removal happens under the removed counter's stripe and counts
     * before that stripe is let go, so under the stripes a remembered counter is still the table's.
     */
    Object[] counters(CounterTable table) {
      long removals = table.removals();
      if (removals != lookedUpAtRemovals) {
        Arrays.fill(counters, null);
        lookedUpAtRemovals = removals;
      }
      return counters;
    }
  }

  /** Ways per set: as many as the engine's plan cache has, for the same reason. */
  static final int WAYS = PlanCache.WAYS;

  /** Set {@code s} holds ways {@code WAYS * s} to {@code WAYS * s + WAYS - 1}, the newest first. */
  private final Entry[] ways;
  /**
   * The identity hash of each way's list, so a lookup reads only the entry whose hash matches:
   * with many lists in use the entries are cache misses, and reading each way's entry in turn
   * cost more than the work an entry saves. A hint, always checked against the entry itself.
   */
  private final int[] ids;
  /** Per set, the identity hashes of the last {@link #WAYS} lists that missed there, the latest first. */
  private final int[] missed;
  private final int mask;

  /** @param sets a power of two; {@link #WAYS} times as many lists are remembered at most */
  DerivedOps(int sets) {
    if (Integer.bitCount(sets) != 1) {
      throw new IllegalArgumentException("sets must be a power of two");
    }
    ways = new Entry[WAYS * sets];
    ids = new int[WAYS * sets];
    missed = new int[WAYS * sets];
    mask = sets - 1;
  }

  /**
   * The entry for {@code ops}: a remembered one if this very list is among those kept in its set,
   * else a new one. A new entry is kept only if the list comes back while still among the last
   * {@link #WAYS} that missed in its set, as the plan cache does with compilations: the lists of
   * plans compiled afresh are seen once, and would otherwise push out the lists in use.
   */
  Entry of(List<CounterOp> ops) {
    int id = System.identityHashCode(ops);
    int at = WAYS * (id & mask);
    for (int w = at; w < at + WAYS; w++) {
      if (ids[w] == id) {
        Entry e = ways[w];
        if (e != null && e.ops == ops) {
          return e;
        }
      }
    }
    Entry fresh = Entry.of(ops);
    if (noted(at, id)) {
      System.arraycopy(ways, at, ways, at + 1, WAYS - 1);
      System.arraycopy(ids, at, ids, at + 1, WAYS - 1);
      ways[at] = fresh;
      ids[at] = id;
    } else {
      System.arraycopy(missed, at, missed, at + 1, WAYS - 1);
      missed[at] = id;
    }
    return fresh;
  }

  private boolean noted(int at, int id) {
    for (int w = at; w < at + WAYS; w++) {
      if (missed[w] == id) {
        return true;
      }
    }
    return false;
  }
}
