package dev.quota.store;

import dev.quota.internal.Thresholds;
import dev.quota.plan.BudgetOp;
import dev.quota.plan.CaughtUp;
import dev.quota.plan.CounterKey;
import dev.quota.plan.Holding;
import dev.quota.plan.Plan;
import dev.quota.plan.PlanResult;
import dev.quota.plan.SettleResult;
import dev.quota.plan.Settlement;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Where counters live. The engine owns every policy decision and compiles each request into a
 * {@link Plan}; a store's one job is to apply a plan atomically against its own clock: evaluate
 * every op, and apply all of them or none. A store never hands counters back for the engine to
 * decide on and write back; that check-then-act gap is how budgets get overspent.
 *
 * <p>Implementations: {@link MemoryStore} here, the Redis store (one Lua script per decision) in
 * {@code quota-redis}. Both pass the same conformance suite.
 */
public interface Store extends AutoCloseable {

  /** Applies {@code plan} atomically. Throws {@code StoreUnavailableException} if it cannot answer in time. */
  PlanResult apply(Plan plan);

  /**
   * {@link #apply}, answered later: the same atomic application and the same answers, with a
   * failure to answer in time completing the stage with {@code StoreUnavailableException}. A store
   * whose replies arrive on its own I/O threads overrides this so that no caller thread waits for
   * them; such a store may complete the stage on an I/O thread, so what is chained onto it must not
   * block. The default applies the plan on the calling thread.
   */
  default CompletionStage<PlanResult> applyAsync(Plan plan) {
    try {
      return CompletableFuture.completedFuture(apply(plan));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Commits or releases a reservation atomically; idempotent for the same settlement. */
  SettleResult settle(Settlement settlement);

  /**
   * What the reservation filed under {@code reservationId} holds, if it is held now: empty once it
   * was settled or, at the store's time, has expired (whether or not it has been released yet), and
   * for an id never filed. Reads only. Throws {@code StoreUnavailableException} if it cannot answer
   * in time.
   */
  Optional<Holding> holding(String reservationId);

  /**
   * Sets a budget counter to {@code nanos} unless it already exists, so it can hold spend recorded
   * in the ledger before the counter was lost. The counter lives until {@code periodEndMs}.
   * {@code firedThresholds} are the levels {@code nanos} reaches (bits as in {@link
   * dev.quota.plan.OpResult#firedThresholds}); if it names any, every level up to {@code nanos}
   * counts as alerted, so a later decision reports only levels above it, whatever levels the
   * policy then has (see {@link dev.quota.internal.Thresholds}). A counter that exists keeps its
   * spend and what it has alerted. A {@code nanos} past what the store counts is kept as a charge
   * to that spend would be (on Redis, past one amount's maximum, at 2^53), so a budget past even
   * the largest limit stays past it.
   */
  default void seed(CounterKey key, long nanos, long periodEndMs, int firedThresholds) {
    seed(key, nanos, periodEndMs, firedThresholds, Long.MAX_VALUE);
  }

  /**
   * {@link #seed(CounterKey, long, long, int)}, unless the counter's subject was reset ({@link
   * #reset}) after {@code missingAtMs}, the store time at which the store reported the counter
   * missing. A rebuild then reads the subject's latest reset and the ledger's spend since; a reset
   * made after it looked (on another server, say) deleted the counter the rebuild is about to
   * write, and seeding the spend it read would undo that reset. Refused, the counter stays missing
   * and the next decision rebuilds it afresh. A reset in the very millisecond {@code missingAtMs}
   * counts as before it (the rebuild saw it), as spend in a reset's millisecond still counts.
   */
  default void seed(CounterKey key, long nanos, long periodEndMs, int firedThresholds, long missingAtMs) {
    seed(key, nanos, periodEndMs, firedThresholds, missingAtMs, Thresholds.NONE);
  }

  /**
   * {@link #seed(CounterKey, long, long, int, long)}, and every level up to {@code alertedUpTo}
   * (nanos; {@link dev.quota.internal.Thresholds#NONE} for none) counts as alerted too, even above
   * {@code nanos}: a level the lost counter alerted while the holds of reservations lost with it
   * counted, which the spend seeded from the ledger does not reach, is not alerted a second time
   * in the period when spend reaches it.
   */
  void seed(CounterKey key, long nanos, long periodEndMs, int firedThresholds, long missingAtMs, long alertedUpTo);

  /**
   * Adds to a budget counter the spend the ledger holds for it after {@code touchedMs} (store time),
   * as {@code nanos}, if the counter still exists and was last decided on at exactly {@code
   * touchedMs}, as a decision answering {@link dev.quota.plan.PlanResult#staleBudgets} reported it.
   * The counter then holds the ledger's spend up to now: its time of last decision becomes the
   * latest of the one it had, the store's time and {@code op}'s {@link BudgetOp#seedBeforeMs} (a
   * marker dated by a clock a little ahead of this one, as another Redis Cluster node's, or an
   * engine's when the store could not be reached, would otherwise leave it stale for good). The levels {@code
   * nanos} pushes it past are reported as a charge's would be.
   *
   * <p>Otherwise nothing changes and the answer says so: another engine caught it up or decided on
   * it since, or it is gone; the engine asks again. Spend is never counted twice by two engines
   * catching up one counter: each reads the ledger after the time the other moved it to.
   *
   * <p>Why it works: a budget counter holds every ledger row of its period dated (by {@link
   * dev.quota.ledger.UsageEntry#chargedAt}) at or before its last decision that was charged to it,
   * and none dated after, since a commit is dated when its reservation, a decision, was made. A
   * counter current since the engines took up their counters was charged every row of its subject
   * and currency meanwhile, so one caught up after an unrelated change adds nothing.
   */
  CaughtUp catchUp(BudgetOp op, long nanos, long touchedMs);

  /**
   * Deletes every counter of {@code subject} (as built by {@code CounterKeys.subjectOf}), forgiving
   * what was reserved before: settling or expiring a reservation made before the reset changes none
   * of the subject's counters made after it (no hold returned, no cost charged, no slot freed),
   * while its other subjects' counters settle as usual.
   */
  void reset(String subject);

  /**
   * The time now by the store's own clock, in epoch milliseconds, or empty for a store that keeps
   * the engine's clock. A store with a clock of its own (Redis's) dates reservations and the ledger's
   * rows by it, so an admin reset is dated by it too: a budget rebuilt from the ledger then counts
   * exactly the spend the reset did not forgive, however far the engine's clock is from the store's.
   * So is the engines' take-up of budget counters ({@link BudgetOp#seedBeforeMs}), which the times
   * of the counters' last decisions are compared with.
   *
   * @throws dev.quota.StoreUnavailableException if the store cannot be reached
   */
  default OptionalLong clockMs() {
    return OptionalLong.empty();
  }

  @Override
  default void close() {}
}
