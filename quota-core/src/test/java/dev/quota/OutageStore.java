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
 * An in-memory store that a test can take away (every call then fails as a Redis that does not
 * answer does, changing nothing) and bring back, with its counters or without them (as a restarted
 * or flushed Redis comes back).
 */
final class OutageStore implements Store {
  private final Clock clock;
  private volatile MemoryStore counters;
  private volatile boolean down;

  OutageStore(Clock clock) {
    this.clock = clock;
    this.counters = new MemoryStore(clock);
  }

  void goDown() {
    down = true;
  }

  void comeBack() {
    down = false;
  }

  /** Comes back without its counters, as a new process of the store's would (its epoch is now). */
  void comeBackEmpty() {
    counters = new MemoryStore(clock);
    down = false;
  }

  private void answer() {
    if (down) {
      throw new StoreUnavailableException("the test took the store away", null);
    }
  }

  @Override
  public PlanResult apply(Plan plan) {
    answer();
    return counters.apply(plan);
  }

  @Override
  public java.util.Optional<dev.quota.plan.Holding> holding(String reservationId) {
    answer();
    return counters.holding(reservationId);
  }

  @Override
  public SettleResult settle(Settlement settlement) {
    answer();
    return counters.settle(settlement);
  }

  @Override
  public void seed(
      CounterKey key, long nanos, long periodEndMs, int firedThresholds, long missingAtMs, long alertedUpTo) {
    answer();
    counters.seed(key, nanos, periodEndMs, firedThresholds, missingAtMs, alertedUpTo);
  }

  @Override
  public dev.quota.plan.CaughtUp catchUp(dev.quota.plan.BudgetOp op, long nanos, long touchedMs) {
    answer();
    return counters.catchUp(op, nanos, touchedMs);
  }

  @Override
  public java.util.OptionalLong clockMs() {
    answer();
    return counters.clockMs();
  }

  @Override
  public void reset(String subject) {
    answer();
    counters.reset(subject);
  }
}
