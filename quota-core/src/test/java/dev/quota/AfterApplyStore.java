package dev.quota;

import dev.quota.plan.CounterKey;
import dev.quota.plan.Plan;
import dev.quota.plan.PlanResult;
import dev.quota.plan.SettleResult;
import dev.quota.plan.Settlement;
import dev.quota.store.MemoryStore;
import dev.quota.store.Store;
import java.time.Clock;

/**
 * An in-memory store that runs a test's action once, right after it has applied the next plan and
 * before the engine hears the answer: the moment another caller's change lands between a decision
 * and what the engine does with it.
 */
final class AfterApplyStore implements Store {
  private final MemoryStore counters;
  private volatile Runnable next;

  AfterApplyStore(Clock clock) {
    this.counters = new MemoryStore(clock);
  }

  /** Runs {@code action} after the next plan is applied. */
  void afterNextApply(Runnable action) {
    next = action;
  }

  @Override
  public PlanResult apply(Plan plan) {
    PlanResult result = counters.apply(plan);
    Runnable action = next;
    next = null;
    if (action != null) {
      action.run();
    }
    return result;
  }

  @Override
  public java.util.Optional<dev.quota.plan.Holding> holding(String reservationId) {
    return counters.holding(reservationId);
  }

  @Override
  public SettleResult settle(Settlement settlement) {
    return counters.settle(settlement);
  }

  @Override
  public void seed(
      CounterKey key, long nanos, long periodEndMs, int firedThresholds, long missingAtMs, long alertedUpTo) {
    counters.seed(key, nanos, periodEndMs, firedThresholds, missingAtMs, alertedUpTo);
  }

  @Override
  public dev.quota.plan.CaughtUp catchUp(dev.quota.plan.BudgetOp op, long nanos, long touchedMs) {
    return counters.catchUp(op, nanos, touchedMs);
  }

  @Override
  public void reset(String subject) {
    counters.reset(subject);
  }
}
