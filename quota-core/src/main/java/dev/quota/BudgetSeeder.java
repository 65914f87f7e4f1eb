package dev.quota;

import dev.quota.admin.ConfigRepository;
import dev.quota.internal.PlanCompiler.Compiled;
import dev.quota.internal.Thresholds;
import dev.quota.ledger.UsageLedger;
import dev.quota.plan.BudgetOp;
import dev.quota.store.Store;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Rebuilds budget counters that a store lost (a restart, a flushed Redis) from the ledger, the
 * durable truth, before anything more is admitted against them.
 *
 * <p>A counter is rebuilt from the spend of its period since the latest admin reset that cleared
 * it. A reset deletes the counters whose subject is exactly the one reset ({@link Store#reset}):
 * {@code user:alice}'s own budgets, not the budget of a pair such as {@code user:alice} with
 * {@code tool:x}, so only a single subject's counter starts at its reset. The ledger keeps the
 * forgiven spend for reports and history; it just no longer counts against the budget.
 *
 * <p>Spend counts from when it was charged ({@link dev.quota.ledger.UsageEntry#chargedAt}), not
 * when it was written: a store charges a commit to the counters its reservation held, so a
 * reservation open across a reset (or across the start of a period) and committed after it counted
 * against neither the counter the reset started afresh nor the new period's, and the rebuilt
 * counter leaves it out too.
 *
 * <p>A counter counts the spend in its budget's currency and the spend in none (charged to budgets
 * of different currencies, each of which took it as its own): a counter kept per currency never
 * took spend in another, as when an override in euros replaces a policy in dollars mid-period.
 *
 * <p>Commits and recorded usage this engine has in flight are waited for first ({@link
 * UnledgeredCharges}): the store may have charged the lost counter with them before their rows
 * reach the ledger.
 *
 * <p>The charges owed to the store ({@link OwedCharges}) are told before the ledger is read: their
 * rows are in it, so none of them is replayed onto the counter rebuilt from it.
 */
final class BudgetSeeder {
  private final UsageLedger ledger;
  private final ConfigRepository config;
  private final Store store;
  private final OwedCharges owed;
  private final UnledgeredCharges unledgered;
  private final BudgetAlerts alerts;
  private final AlertedBefore alertedBefore;

  BudgetSeeder(
      UsageLedger ledger, ConfigRepository config, Store store, OwedCharges owed, UnledgeredCharges unledgered,
      BudgetAlerts alerts, AlertedBefore alertedBefore) {
    this.ledger = ledger;
    this.alerts = alerts;
    this.alertedBefore = alertedBefore;
    this.unledgered = unledgered;
    this.config = config;
    this.store = store;
    this.owed = owed;
  }

  /**
   * Seeds the budget counters of {@code c}'s ops at {@code indices}, which the store reported
   * missing at {@code missingAtMs} (store time). A counter whose subject a reset cleared since then
   * is left missing: the reset may have come after the repository was read here (on another
   * server, say), so the spend read would be what it forgave. The decision asks again, finds the
   * counter missing, and its rebuild counts from that reset.
   */
  void seed(Compiled c, List<Integer> indices, long missingAtMs) {
    unledgered.awaitWritten();
    for (int i : indices) {
      BudgetOp op = (BudgetOp) c.plan().ops().get(i);
      Map<String, String> subjects = c.refs().get(i).subjects();
      String currency = c.refs().get(i).currency();
      Instant from = countedFrom(subjects, Instant.ofEpochMilli(op.periodStartMs()));
      Instant to = Instant.ofEpochMilli(op.periodEndMs());
      // Before the ledger is read: the charges owed so far are in it, so the seed counts them.
      long neverCounted = owed.rebuilding(op.key(), from);
      try {
        MoneyTotal spent = from.isBefore(to) ? ledger.spent(subjects, currency, from, to) : MoneyTotal.ZERO;
        // The exact spend, which may pass one amount's maximum (the largest limit): the store keeps
        // it as it would a charge to the same spend, so past that maximum it reads as the live
        // counter did and the budget refuses even a call that costs nothing, as it did.
        long nanos = spent.saturatedNanos();
        // An alert is sent once per level per period, and the fired bits were lost with the
        // counter. The levels the period passed were alerted when a counter crossed them, except
        // those only spend no counter ever counted (recorded while the store was away) reaches:
        // those are alerted now. All count as fired, so only a higher level alerts again. The lost
        // counter also counted the holds of reservations lost with it, which the ledger does not
        // know: the levels the alerts already sent in the period reached count as fired too, above
        // the spend as well.
        int crossed = Thresholds.crossed(Thresholds.NONE, nanos, op.limitNanos(), op.thresholdNanos());
        int alerted = Thresholds.crossed(
            Thresholds.NONE, Math.max(0, nanos - neverCounted), op.limitNanos(), op.thresholdNanos());
        long sentUpTo = alertedBefore.upTo(c.refs().get(i), op, from);
        int sent = Thresholds.crossed(Thresholds.NONE, sentUpTo, op.limitNanos(), op.thresholdNanos());
        store.seed(op.key(), nanos, op.periodEndMs(), crossed, missingAtMs, sentUpTo);
        int missed = crossed & ~alerted & ~sent;
        if (missed != 0) {
          alerts.fireRebuilt(c, i, nanos, missed);
        }
      } catch (RuntimeException e) {
        owed.notAlerted(op.key(), neverCounted, from, op.periodEndMs());
        throw e;
      }
    }
  }

  /**
   * Where the spend a counter of {@code subjects} holds begins: its period's start, or its
   * subject's latest reset if that came later. Read from the repository rather than the policy
   * snapshot: a reset made on another server deleted this very counter, and a snapshot learns of it
   * only at that server's next reload, too late for a counter rebuilt meanwhile.
   *
   * <p>From the start of the reset's millisecond: stores keep time (a reservation's among it) in
   * milliseconds, so within that millisecond the ledger cannot tell what came before the reset,
   * and it errs towards counting.
   */
  private Instant countedFrom(Map<String, String> subjects, Instant periodStart) {
    return countedSince(config, subjects).filter(periodStart::isBefore).orElse(periodStart);
  }

  /**
   * The start of the millisecond the counters of {@code subjects} were last reset in, from which
   * their spend counts again (spend in that millisecond still counts); empty if never reset, or for
   * a pair, whose counters no reset clears. The rule a rebuilt budget and a replayed owed charge
   * share.
   */
  static Optional<Instant> countedSince(ConfigRepository config, Map<String, String> subjects) {
    if (subjects.size() != 1) {
      return Optional.empty();
    }
    Map.Entry<String, String> only = subjects.entrySet().iterator().next();
    if (Subject.subjectIdRule(only.getValue()) != null) {
      // Stored before its identifier was refused (whitespace at an end, '.' or '..'): no request,
      // usage read or reset can name that subject any more, so its counter is never read again. Its
      // spend still counts from the period's start, and the charges beside it (its team's) are not
      // held up.
      return Optional.empty();
    }
    return config.subjectReset(Subject.of(only.getKey(), only.getValue())).map(reset -> reset.truncatedTo(ChronoUnit.MILLIS));
  }
}
