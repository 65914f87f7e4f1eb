package dev.quota.store;

import dev.quota.internal.SlidingWindow;
import dev.quota.internal.Thresholds;
import dev.quota.internal.TokenBucket;
import dev.quota.plan.BudgetOp;
import dev.quota.plan.CounterOp;
import dev.quota.plan.RateOp;

/** {@link PreparedOps} for any mix of rate limits and budgets. */
final class PreparedPlan extends PreparedOps {
  private final MemoryStore store;
  private final CounterTable table;
  private final CounterOp[] ops;
  private final int[] stripes;
  /** Per op, side by side so a call reads one array: amount, limit, 1 if enforced. */
  private final long[] spec;
  /**
   * Per budget op, in op order: its period's start and end, the lowest of its alert levels and
   * its limit, and its marker ({@link BudgetOp#seedBeforeMs}), before which a counter's last
   * decision leaves it stale. A call reads these instead of the ops and their alert levels, which lie wherever
   * the compilation left them: with many subjects each would be a cache miss of its own.
   */
  private final long[] budgets;
  private static final int BUDGET_WIDTH = 4;
  private final Object[] counters;
  private long lookedUpAtRemovals = -1;

  PreparedPlan(MemoryStore store, CounterTable table, CounterOp[] ops, Object source) {
    super(source);
    this.store = store;
    this.table = table;
    this.ops = ops.clone();
    this.spec = new long[3 * ops.length];
    this.counters = new Object[ops.length];
    Object[] keys = new Object[ops.length];
    int budgetOps = 0;
    for (CounterOp op : ops) {
      budgetOps += op instanceof BudgetOp ? 1 : 0;
    }
    this.budgets = new long[BUDGET_WIDTH * budgetOps];
    for (int i = 0, bi = 0; i < ops.length; i++) {
      CounterOp op = ops[i];
      keys[i] = op.key();
      if (op instanceof RateOp r) {
        spec[3 * i] = r.amount();
        spec[3 * i + 1] = r.limit().limit();
      } else {
        BudgetOp b = (BudgetOp) op;
        spec[3 * i] = b.amountNanos();
        spec[3 * i + 1] = b.limitNanos();
        budgets[bi++] = b.periodStartMs();
        budgets[bi++] = b.periodEndMs();
        budgets[bi++] = lowestLevel(b);
        budgets[bi++] = b.seedBeforeMs();
      }
      spec[3 * i + 2] = op.enforced() ? 1 : 0;
    }
    this.stripes = StripeLocks.stripesOf(keys);
    lookUpNow();
  }

  /**
   * Finds the counters while preparing, creating windows but not buckets, so that they lie next
   * to this object (see PreparedRate); if a bucket is still missing, the first call looks all up.
   */
  private void lookUpNow() {
    StripeLocks locks = store.locks();
    locks.lock(stripes);
    try {
      long now = store.now();
      boolean all = true;
      for (int i = 0; i < ops.length; i++) {
        counters[i] = ops[i] instanceof RateOp r ? table.rateIfTimeless(r, now) : table.budget(ops[i].key());
        all &= counters[i] != null || !(ops[i] instanceof RateOp);
      }
      lookedUpAtRemovals = all ? table.removals() : -1;
    } finally {
      locks.unlock(stripes);
    }
  }

  @Override
  public int tryConsume(int[] fired, long[] used) {
    store.releaseExpired();
    StripeLocks locks = store.locks();
    locks.lock(stripes);
    try {
      long now = store.now();
      if (lookedUpAtRemovals != table.removals()) {
        lookUp(now);
      }
      for (int i = 0, bi = 0; i < counters.length; i++) {
        Object c = counters[i];
        boolean room;
        if (c instanceof SlidingWindow w) {
          w.advance(now);
          room = w.used() + spec[3 * i] <= spec[3 * i + 1];
        } else if (c instanceof TokenBucket b) {
          b.limitTo(spec[3 * i + 1]); // another plan may have used it under another limit since
          b.advance(now);
          room = b.hasRoom(spec[3 * i]);
        } else {
          if (now < budgets[bi] || now >= budgets[bi + 1]) {
            return NEEDS_PLAN;
          }
          long seedBefore = budgets[bi + 3];
          bi += BUDGET_WIDTH;
          CounterTable.Budget budget = (CounterTable.Budget) c;
          if (budget == null) {
            BudgetOp b = (BudgetOp) ops[i];
            budget = table.budget(b.key());
            if (budget == null && store.mayHaveLost(b)) {
              return NEEDS_PLAN;
            }
            remember(i, budget);
          }
          if (budget != null && budget.touchedMs < seedBefore) {
            return NEEDS_PLAN; // may be behind the ledger: the general path catches it up
          }
          room = budget == null ? spec[3 * i] <= spec[3 * i + 1] : budget.hasRoom(spec[3 * i], spec[3 * i + 1]);
        }
        if (!room && spec[3 * i + 2] != 0) {
          return DENIED;
        }
      }
      for (int i = 0, bi = 0; i < counters.length; i++) {
        Object c = counters[i];
        if (c instanceof SlidingWindow w) {
          w.add(now, spec[3 * i]);
        } else if (c instanceof TokenBucket b) {
          b.take(spec[3 * i]);
        } else {
          long lowestLevel = budgets[bi + 2];
          bi += BUDGET_WIDTH;
          CounterTable.Budget budget = (CounterTable.Budget) c;
          if (budget == null) {
            budget = table.budgetOrNew((BudgetOp) ops[i], now);
            remember(i, budget);
          }
          budget.charge(spec[3 * i]);
          budget.touch(now);
          // Below the lowest level nothing fires: the ops' levels need not be read.
          int newly = budget.used < lowestLevel ? 0
              : MemoryStore.alert(budget, spec[3 * i + 1], ((BudgetOp) ops[i]).thresholdNanos());
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

  /** The lowest amount at which {@link Thresholds#crossed} can fire anything for {@code b}. */
  private static long lowestLevel(BudgetOp b) {
    long lowest = b.limitNanos();
    for (long level : b.thresholdNanos()) {
      lowest = Math.min(lowest, level);
    }
    return lowest;
  }

  /**
   * Stores a budget found on this call, only if it is new: this object lives long enough to be in
   * the old generation, where every reference store dirties a card that the collector must then
   * scan, on the other core, at a cost larger than this whole call's.
   */
  private void remember(int i, CounterTable.Budget budget) {
    if (counters[i] != budget) {
      counters[i] = budget;
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
