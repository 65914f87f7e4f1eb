package dev.quota.store;

import dev.quota.plan.BudgetOp;
import dev.quota.plan.CounterOp;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What a reservation did to the counters, shared by every held reservation of equal ops (the same
 * subject's requests, as a rule), so holding one more reservation copies none of it. Ops are
 * immutable records, so reservations with equal ops settle alike whichever list they keep.
 *
 * <p>When all of a plan's budget ops hold one amount (always so for the engine's plans: each budget
 * holds the estimate), the shape is <em>uniform</em>: the amount is kept by each reservation and
 * left out of the comparison, so requests of one subject share a shape whatever their estimates.
 */
final class ReservationShape {
  final List<CounterOp> ops;
  /** The stripes of the ops' counters, ascending: what a settlement locks. */
  final int[] stripes;
  /**
   * What the store worked out from the first holder's ops, with the counters it last looked up:
   * a settlement, under the same stripes, finds its counters there instead of searching the
   * counter table again, which with many subjects is a cache miss per counter.
   */
  final DerivedOps.Entry derived;
  /** Whether budget holds are the reservation's, not the ops' (see the class comment). */
  final boolean uniform;
  /** The payload of the first reservation of this shape, lent to later ones that carry an equal one. */
  final String payload;
  final int hash;
  /** Held reservations of this shape; the table forgets the shape when none is left. */
  int holders;
  /** The next shape in the same {@link ShapeTable} bucket. */
  ReservationShape next;

  ReservationShape(DerivedOps.Entry derived, String payload) {
    this.derived = derived;
    this.ops = derived.ops;
    this.uniform = derived.uniform;
    this.hash = derived.shapeHash;
    this.stripes = derived.stripes;
    this.payload = payload;
  }

  /** {@code payload}, as this shape's copy if equal to it. */
  String share(String payload) {
    return payload != null && payload.equals(this.payload) ? this.payload : payload;
  }

  /** What {@code b} holds for a reservation of this shape that keeps {@code holdNanos}. */
  long hold(BudgetOp b, long holdNanos) {
    return uniform ? holdNanos : b.amountNanos();
  }

  /** True if every budget op in {@code ops} holds the same amount (or there is none). */
  static boolean isUniform(List<CounterOp> ops) {
    long amount = -1;
    boolean seen = false;
    for (int i = 0; i < ops.size(); i++) {
      if (ops.get(i) instanceof BudgetOp b) {
        if (seen && b.amountNanos() != amount) {
          return false;
        }
        amount = b.amountNanos();
        seen = true;
      }
    }
    return true;
  }

  /**
   * What a reservation of {@code ops} keeps as its hold: the budgets' one amount if uniform (0
   * without budgets), else the largest, at least 0. A settlement reports it, at least 0, as held.
   */
  static long holdOf(List<CounterOp> ops, boolean uniform) {
    long held = 0;
    for (int i = 0; i < ops.size(); i++) {
      if (ops.get(i) instanceof BudgetOp b) {
        if (uniform) {
          return b.amountNanos();
        }
        held = Math.max(held, b.amountNanos());
      }
    }
    return held;
  }

  /**
   * A hash of {@code ops} consistent with {@link #sameOps}, mixed so that its low bits pick a
   * {@link ShapeTable} bucket well. Unmixed, the ops of subjects whose names differ in their last
   * characters (u1, u2, ...) summed to values that share their low bits: 10,000 users' shapes fell
   * into 1,024 of 16,384 buckets, and holding a reservation walked chains of up to 26 shapes.
   */
  static int hash(List<CounterOp> ops, boolean uniform) {
    int h;
    if (!uniform) {
      h = ops.hashCode();
    } else {
      h = 7;
      for (int i = 0; i < ops.size(); i++) {
        CounterOp op = ops.get(i);
        h = 31 * h + (op instanceof BudgetOp b ? b.key().hashCode() ^ Long.hashCode(b.periodStartMs()) : op.hashCode());
      }
    }
    h *= 0x9E3779B9; // Fibonacci hashing: every input bit reaches the high bits
    return h ^ (h >>> 16); // and the high bits come back down to the ones a bucket index uses
  }

  /** True if this shape serves a reservation of {@code ops}: the same ops, budget amounts aside if uniform. */
  boolean sameOps(List<CounterOp> ops, boolean uniform) {
    if (uniform != this.uniform) {
      return false;
    }
    if (this.ops == ops) {
      return true;
    }
    if (!uniform) {
      return this.ops.equals(ops);
    }
    if (this.ops.size() != ops.size()) {
      return false;
    }
    for (int i = 0; i < ops.size(); i++) {
      CounterOp a = this.ops.get(i);
      CounterOp b = ops.get(i);
      boolean same = a instanceof BudgetOp x && b instanceof BudgetOp y ? sameButAmount(x, y) : a.equals(b);
      if (!same) {
        return false;
      }
    }
    return true;
  }

  /**
   * Every component of the two budget ops but the amount is equal; alert levels by content, so that
   * ops compiled under a rebuilt policy index still share a shape. Not {@link BudgetOp#seedBeforeMs}
   * either: it decides whether a missing counter is seeded before the op applies, not what it holds.
   */
  static boolean sameButAmount(BudgetOp x, BudgetOp y) {
    return x.key().equals(y.key())
        && x.enforced() == y.enforced()
        && Objects.equals(x.label(), y.label())
        && x.limitNanos() == y.limitNanos()
        && x.periodStartMs() == y.periodStartMs()
        && x.periodEndMs() == y.periodEndMs()
        && Arrays.equals(x.thresholdNanos(), y.thresholdNanos());
  }
}
