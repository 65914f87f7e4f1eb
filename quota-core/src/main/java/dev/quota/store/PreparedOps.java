package dev.quota.store;

import dev.quota.internal.SlidingWindow;
import dev.quota.internal.Thresholds;
import dev.quota.internal.TokenBucket;
import dev.quota.plan.BudgetOp;
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
 * they were looked up (see {@link CounterTable}); otherwise they are looked up again. All fields
 * but the immutable ones are read and written only under this plan's stripe locks, which every
 * caller of one {@code PreparedOps} takes alike.
 */
public final class PreparedOps {
  /** {@link #tryConsume} outcomes. */
  public static final int DENIED = 0;
  public static final int ADMITTED = 1;
  /** The plan needs the general path: a budget period moved on, or a lost budget needs seeding. */
  public static final int NEEDS_PLAN = -1;

  private final MemoryStore store;
  private final CounterTable table;
  private final CounterOp[] ops;
  private final int[] stripes;
  private final boolean[] enforced;
  private final long[] amount;
  private final long[] limit;
  private final Object[] counters;
  private long lookedUpAtRemovals = -1;

  PreparedOps(MemoryStore store, CounterTable table, CounterOp[] ops) {
    this.store = store;
    this.table = table;
    this.ops = ops.clone();
    this.enforced = new boolean[ops.length];
    this.amount = new long[ops.length];
    this.limit = new long[ops.length];
    this.counters = new Object[ops.length];
    Object[] keys = new Object[ops.length];
    for (int i = 0; i < ops.length; i++) {
      CounterOp op = ops[i];
      if (op instanceof ConcurrencyOp) {
        throw new IllegalArgumentException("concurrency slots need reservations, not prepared consumption");
      }
      keys[i] = op.key();
      enforced[i] = op.enforced();
      if (op instanceof RateOp r) {
        amount[i] = r.amount();
        limit[i] = r.limit().limit();
      } else {
        BudgetOp b = (BudgetOp) op;
        amount[i] = b.amountNanos();
        limit[i] = b.limitNanos();
      }
    }
    this.stripes = StripeLocks.stripesOf(keys);
  }

  /**
   * Tests every op and, if all enforced ops allow, consumes them all at once (budgets are charged,
   * not held).
   *
   * @param fired null for plans without budgets; else receives, per op, the alert bits this call
   *     fired and, in {@code used}, the budget's value after it
   * @return {@link #ADMITTED}, {@link #DENIED} or {@link #NEEDS_PLAN}
   */
  public int tryConsume(int[] fired, long[] used) {
    long now = store.now();
    StripeLocks locks = store.locks();
    locks.lock(stripes);
    try {
      if (lookedUpAtRemovals != table.removals()) {
        lookUp(now);
      }
      for (int i = 0; i < ops.length; i++) {
        Object c = counters[i];
        boolean room;
        if (c instanceof SlidingWindow w) {
          w.advance(now);
          room = w.used() + amount[i] <= limit[i];
        } else if (c instanceof TokenBucket b) {
          b.advance(now);
          room = b.hasRoom(amount[i]);
        } else {
          BudgetOp b = (BudgetOp) ops[i];
          if (now < b.periodStartMs() || now >= b.periodEndMs()) {
            return NEEDS_PLAN;
          }
          CounterTable.Budget budget = c != null ? (CounterTable.Budget) c : table.budget(b.key());
          if (budget == null && store.mayHaveLost(b)) {
            return NEEDS_PLAN;
          }
          counters[i] = budget;
          room = (budget == null ? 0 : budget.used) + amount[i] <= limit[i];
        }
        if (!room && enforced[i]) {
          return DENIED;
        }
      }
      for (int i = 0; i < ops.length; i++) {
        Object c = counters[i];
        if (c instanceof SlidingWindow w) {
          w.add(now, amount[i]);
        } else if (c instanceof TokenBucket b) {
          b.take(amount[i]);
        } else {
          BudgetOp b = (BudgetOp) ops[i];
          CounterTable.Budget budget = c != null ? (CounterTable.Budget) c : table.budgetOrNew(b);
          counters[i] = budget;
          budget.used = Math.addExact(budget.used, amount[i]);
          int newly = Thresholds.newlyCrossed(budget.used, b.limitNanos(), b.thresholdNanos(), budget.fired);
          budget.fired |= newly;
          if (fired != null) {
            fired[i] = newly;
            used[i] = budget.used;
          }
        }
      }
      return ADMITTED;
    } finally {
      locks.unlock(stripes);
    }
  }

  /** Finds (or creates) the rate counters and finds the budgets; called under this plan's locks. */
  private void lookUp(long now) {
    lookedUpAtRemovals = table.removals();
    for (int i = 0; i < ops.length; i++) {
      counters[i] = ops[i] instanceof RateOp r ? table.rate(r, now) : table.budget(ops[i].key());
    }
  }
}
