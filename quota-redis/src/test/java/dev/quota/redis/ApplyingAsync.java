package dev.quota.redis;

import dev.quota.plan.CounterKey;
import dev.quota.plan.Plan;
import dev.quota.plan.PlanResult;
import dev.quota.plan.SettleResult;
import dev.quota.plan.Settlement;
import dev.quota.store.Store;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A store whose {@code apply} goes through {@code applyAsync} and waits for the stage, so that a
 * suite written against {@code apply} checks the asynchronous path; everything else is passed on.
 */
final class ApplyingAsync implements Store {
  private final Store store;

  ApplyingAsync(Store store) {
    this.store = store;
  }

  @Override
  public PlanResult apply(Plan plan) {
    CompletableFuture<PlanResult> stage = store.applyAsync(plan).toCompletableFuture();
    try {
      return stage.join();
    } catch (CompletionException e) {
      // the failure as the stage carries it, which apply would have thrown
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw e;
    }
  }

  @Override
  public java.util.Optional<dev.quota.plan.Holding> holding(String reservationId) {
    return store.holding(reservationId);
  }

  @Override
  public SettleResult settle(Settlement settlement) {
    return store.settle(settlement);
  }

  @Override
  public void seed(
      CounterKey key, long nanos, long periodEndMs, int firedThresholds, long missingAtMs, long alertedUpTo) {
    store.seed(key, nanos, periodEndMs, firedThresholds, missingAtMs, alertedUpTo);
  }

  @Override
  public dev.quota.plan.CaughtUp catchUp(dev.quota.plan.BudgetOp op, long nanos, long touchedMs) {
    return store.catchUp(op, nanos, touchedMs);
  }

  @Override
  public void reset(String subject) {
    store.reset(subject);
  }

  @Override
  public java.util.OptionalLong clockMs() {
    return store.clockMs();
  }
}
