package dev.quota.store;

import dev.quota.plan.CounterOp;
import java.util.List;

/**
 * What the store works out from a plan's ops on every call, worked out once per ops list: the
 * stripes to lock, and the kind, hash and hold of the reservation shape the ops make. The engine
 * hands the store one list for every plan it builds from the same cached compilation, so a request
 * made again finds these by the list's identity instead of hashing every key and sorting stripes.
 *
 * <p>Direct-mapped by identity hash, without locks: entries are immutable, so a reader sees a
 * whole entry, and two callers that race on a slot only work the same thing out twice. A list
 * seen once (a request with no cached compilation) costs one entry more than before, no more.
 */
final class DerivedOps {
  /** What {@code ops} make; {@code stripes} is shared and must not be changed. */
  record Entry(List<CounterOp> ops, int[] stripes, boolean uniform, int shapeHash, long hold) {
    static Entry of(List<CounterOp> ops) {
      boolean uniform = ReservationShape.isUniform(ops);
      return new Entry(
          ops,
          MemoryStore.stripesOf(ops, null),
          uniform,
          ReservationShape.hash(ops, uniform),
          ReservationShape.holdOf(ops, uniform));
    }
  }

  private final Entry[] slots;

  /** @param size a power of two: the most lists remembered at once */
  DerivedOps(int size) {
    if (Integer.bitCount(size) != 1) {
      throw new IllegalArgumentException("size must be a power of two");
    }
    slots = new Entry[size];
  }

  /** The entry for {@code ops}: the remembered one if this very list was seen last in its slot. */
  Entry of(List<CounterOp> ops) {
    int slot = System.identityHashCode(ops) & (slots.length - 1);
    Entry e = slots[slot];
    if (e == null || e.ops != ops) {
      e = Entry.of(ops);
      slots[slot] = e;
    }
    return e;
  }
}
