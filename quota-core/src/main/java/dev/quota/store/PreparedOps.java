package dev.quota.store;

import dev.quota.plan.ConcurrencyOp;
import dev.quota.plan.CounterOp;
import dev.quota.plan.RateOp;

/**
 * A plan of rate limits and budgets (no concurrency slots) prepared once on a {@link MemoryStore}
 * for repeated all-or-nothing consumption, the path behind {@code PreparedRequest.tryAcquire()}.
 *
 * <p>It locks the same stripes as {@link MemoryStore#apply} and keeps the counters it found, so a
 * call does no map lookups: once its counters exist it allocates nothing and touches each counter
 * once. The remembered counters are trusted only while the store has removed no counter since
 * they were looked up (see {@link CounterTable}); otherwise they are looked up again. Everything
 * an instance remembers is read and written only under its stripe locks, which every caller of
 * one instance takes alike.
 */
public abstract sealed class PreparedOps permits PreparedRate, PreparedPlan {
  /** {@link #tryConsume} outcomes. */
  public static final int DENIED = 0;
  public static final int ADMITTED = 1;
  /** The plan needs the general path: a budget period moved on, or a lost budget needs seeding. */
  public static final int NEEDS_PLAN = -1;

  private final Object source;

  PreparedOps(Object source) {
    this.source = source;
  }

  /**
   * What the caller prepared these ops from, opaque to the store (the engine keeps the policy
   * snapshot here): one read then finds both the ops and what they are valid for.
   */
  public final Object source() {
    return source;
  }

  static PreparedOps of(MemoryStore store, CounterTable table, CounterOp[] ops, Object source) {
    for (CounterOp op : ops) {
      if (op instanceof ConcurrencyOp) {
        throw new IllegalArgumentException("concurrency slots need reservations, not prepared consumption");
      }
    }
    // The commonest plan, one rate limit, gets a path of its own: one lock, one counter, no loops.
    return ops.length == 1 && ops[0] instanceof RateOp r
        ? new PreparedRate(store, table, r, source)
        : new PreparedPlan(store, table, ops, source);
  }

  /**
   * Tests every op and, if all enforced ops allow, consumes them all at once (budgets are charged,
   * not held).
   *
   * @param fired null for plans without budgets; else receives, per op, the alert bits this call
   *     fired and, in {@code used}, the budget's value after it
   * @return {@link #ADMITTED}, {@link #DENIED} or {@link #NEEDS_PLAN}
   */
  public abstract int tryConsume(int[] fired, long[] used);
}
