package dev.quota;

import dev.quota.admin.ConfigRepository;
import dev.quota.internal.PlanCompiler.Compiled;
import dev.quota.internal.PlanCompiler.OpRef;
import dev.quota.ledger.UsageLedger;
import dev.quota.plan.BudgetOp;
import dev.quota.plan.CaughtUp;
import dev.quota.plan.StaleBudget;
import dev.quota.store.Store;
import java.time.Instant;
import java.util.List;

/**
 * Catches up budget counters that may be behind the ledger ({@link StaleBudget}): a budget that
 * comes back within its period to a counter it had before (its calendar changed and changed back,
 * its policy deleted and created again, an override of another calendar ended) finds it without
 * what was charged meanwhile to another calendar's counter, or to none.
 *
 * <p>Such a counter cannot be rebuilt from the ledger as a lost one is ({@link BudgetSeeder}): it
 * holds the estimates of open reservations, which the ledger does not know. Instead the spend the
 * ledger holds after the counter's last decision is added to it ({@link Store#catchUp}); every row
 * dated up to that decision it counted already, or was never charged to it. So a counter that was
 * current all along (the engines took up other counters elsewhere) adds nothing, and two engines
 * catching one counter up count nothing twice: the second reads after the time the first moved it
 * to, or finds it moved and asks again.
 *
 * <p>As for a rebuild, commits and recorded usage this engine has in flight are waited for first,
 * spend counts from the subject's latest reset, and charges owed to the store whose rows the read
 * counts are not replayed onto the counter ({@link OwedCharges#catchingUp}).
 */
final class BudgetCatchUp {
  private final UsageLedger ledger;
  private final ConfigRepository config;
  private final Store store;
  private final OwedCharges owed;
  private final UnledgeredCharges unledgered;
  private final BudgetAlerts alerts;

  BudgetCatchUp(
      UsageLedger ledger, ConfigRepository config, Store store, OwedCharges owed, UnledgeredCharges unledgered,
      BudgetAlerts alerts) {
    this.ledger = ledger;
    this.config = config;
    this.store = store;
    this.owed = owed;
    this.unledgered = unledgered;
    this.alerts = alerts;
  }

  /** Catches up the counters of {@code c}'s ops that the store reported {@code stale}. */
  void catchUp(Compiled c, List<StaleBudget> stale) {
    if (stale.isEmpty()) {
      return;
    }
    unledgered.awaitWritten();
    for (StaleBudget s : stale) {
      BudgetOp op = (BudgetOp) c.plan().ops().get(s.index());
      CaughtUp r = catchUp(op, c.refs().get(s.index()), s.touchedMs());
      if (r.applied() && r.firedThresholds() != 0) {
        // Levels this counter never alerted: the spend that reached them was charged to another.
        alerts.fireRebuilt(c, s.index(), r.usedNanos(), r.firedThresholds());
      }
    }
  }

  /**
   * Catches up one counter, which the store reported last decided on at {@code touchedMs}; call
   * after {@link UnledgeredCharges#awaitWritten}. Not applied if it moved on meanwhile.
   */
  CaughtUp catchUp(BudgetOp op, OpRef ref, long touchedMs) {
    // After the counter's last decision, and never before its period or its subject's latest reset.
    Instant from = Instant.ofEpochMilli(Math.max(touchedMs + 1, op.periodStartMs()));
    Instant reset = BudgetSeeder.countedSince(config, ref.subjects()).orElse(null);
    if (reset != null && reset.isAfter(from)) {
      from = reset;
    }
    Instant to = Instant.ofEpochMilli(op.periodEndMs());
    Instant since = from;
    return owed.catchingUp(op.key(), from, () -> {
      long nanos = since.isBefore(to) ? ledger.spent(ref.subjects(), ref.currency(), since, to).saturatedNanos() : 0;
      return store.catchUp(op, nanos, touchedMs);
    });
  }
}
