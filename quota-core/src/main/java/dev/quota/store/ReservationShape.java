package dev.quota.store;

import dev.quota.plan.BudgetOp;
import dev.quota.plan.CounterOp;
import java.util.List;

/**
 * What a reservation did to the counters, shared by every held reservation of equal ops (the
 * same subject's requests, as a rule), so holding one more reservation copies none of it. Ops
 * are immutable records, so reservations with equal ops settle alike whichever list they keep.
 */
final class ReservationShape {
  final List<CounterOp> ops;
  /** The stripes of the ops' counters, ascending: what a settlement locks. */
  final int[] stripes;
  /** The largest budget hold, reported on settlement. */
  final long heldNanos;
  /** The payload of the first reservation of this shape, lent to later ones that carry an equal one. */
  final String payload;
  final int hash;
  /** Held reservations of this shape; the table forgets the shape when none is left. */
  int holders;
  /** The next shape in the same {@link ShapeTable} bucket. */
  ReservationShape next;

  ReservationShape(List<CounterOp> ops, int hash, int[] stripes, String payload) {
    this.ops = ops;
    this.hash = hash;
    this.stripes = stripes;
    this.payload = payload;
    long held = 0;
    for (int i = 0; i < ops.size(); i++) {
      if (ops.get(i) instanceof BudgetOp b) {
        held = Math.max(held, b.amountNanos());
      }
    }
    this.heldNanos = held;
  }

  /** {@code payload}, as this shape's copy if equal to it. */
  String share(String payload) {
    return payload != null && payload.equals(this.payload) ? this.payload : payload;
  }
}
