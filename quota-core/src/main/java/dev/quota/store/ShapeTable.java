package dev.quota.store;

import dev.quota.plan.CounterOp;
import java.util.List;
import java.util.Objects;

/**
 * The {@link ReservationShape}s of held reservations by their ops, each counted by its holders,
 * so that reservations of equal ops share one and a shape is forgotten with its last holder.
 * Chained buckets, resized by powers of two. Not thread-safe.
 */
final class ShapeTable {
  private static final int MIN_BUCKETS = 16;

  private ReservationShape[] buckets = new ReservationShape[MIN_BUCKETS];
  private int size;

  int size() {
    return size;
  }

  /**
   * The shape of {@code derived.ops}, with one more holder: an existing one if its ops are the
   * same (see {@link ReservationShape#sameOps}), else the one last made for these ops if no
   * reservation holds it any longer and it lends the same payload, else a new one.
   *
   * @param payload the first holder's payload, lent to later holders with an equal one
   */
  ReservationShape acquire(DerivedOps.Entry derived, String payload) {
    List<CounterOp> ops = derived.ops;
    boolean uniform = derived.uniform;
    int hash = derived.shapeHash;
    int b = hash & (buckets.length - 1);
    for (ReservationShape s = buckets[b]; s != null; s = s.next) {
      if (s.hash == hash && s.sameOps(ops, uniform)) {
        s.holders++;
        return s;
      }
    }
    ReservationShape s = derived.spareShape;
    // Shapes are immutable but for their holders and chain: one that no reservation holds any longer
    // serves again, if it lends the same payload.
    if (s == null || s.holders != 0 || !Objects.equals(s.payload, payload)) {
      s = new ReservationShape(derived, payload);
      derived.spareShape = s;
    }
    s.holders = 1;
    s.next = buckets[b];
    buckets[b] = s;
    if (++size > buckets.length) {
      resize(buckets.length * 2);
    }
    return s;
  }

  /** Takes one holder from {@code s}, forgetting it when none is left. */
  void release(ReservationShape s) {
    if (--s.holders > 0) {
      return;
    }
    int b = s.hash & (buckets.length - 1);
    if (buckets[b] == s) {
      buckets[b] = s.next;
    } else {
      ReservationShape p = buckets[b];
      while (p.next != s) {
        p = p.next;
      }
      p.next = s.next;
    }
    s.next = null;
    if (--size < buckets.length / 8 && buckets.length > MIN_BUCKETS) {
      resize(buckets.length / 2);
    }
  }

  /** The most shapes in one bucket: what a lookup may walk. */
  int longestChain() {
    int longest = 0;
    for (ReservationShape head : buckets) {
      int n = 0;
      for (ReservationShape s = head; s != null; s = s.next) {
        n++;
      }
      longest = Math.max(longest, n);
    }
    return longest;
  }

  private void resize(int n) {
    ReservationShape[] old = buckets;
    buckets = new ReservationShape[n];
    for (ReservationShape head : old) {
      for (ReservationShape s = head; s != null; ) {
        ReservationShape next = s.next;
        int b = s.hash & (n - 1);
        s.next = buckets[b];
        buckets[b] = s;
        s = next;
      }
    }
  }
}
