package dev.quota;

import dev.quota.alert.Alert;
import dev.quota.alert.AlertDispatcher;
import dev.quota.alert.AlertHistory;
import dev.quota.internal.PlanCompiler.OpRef;
import dev.quota.internal.Thresholds;
import dev.quota.plan.BudgetOp;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How far a budget counter's period was alerted before the store lost the counter, from the alert
 * history and the alerts fired but not stored in it yet: the amount a counter rebuilt from the
 * ledger counts as alerted up to. A counter alerts a level when its spend and the holds of open
 * reservations reach it, while the ledger knows only the spend; without this, a level that holds
 * lost with the store had reached would be alerted a second time in the period once spend reached
 * it, and the rebuild would alert again a level reached by spend recorded while the store was away.
 */
final class AlertedBefore {
  /** The most alerts of one subject and policy read: a period holds one per level and calendar change. */
  private static final int READ_AT_MOST = 10_000;

  private final AlertHistory history;
  private final AlertDispatcher dispatcher;

  AlertedBefore(AlertHistory history, AlertDispatcher dispatcher) {
    this.history = history;
    this.dispatcher = dispatcher;
  }

  /**
   * The highest amount the alerts of {@code op}'s period fired since {@code since} (its start, or
   * its subject's latest reset, from which the counter counts afresh) stand for, or {@link
   * Thresholds#NONE}.
   */
  long upTo(OpRef ref, BudgetOp op, Instant since) {
    // Those not stored first: one stored meanwhile is then found in the history read after.
    List<Alert> alerts = new ArrayList<>(dispatcher.unfinished());
    try {
      alerts.addAll(history.query(ref.subject(), ref.policy().selector().toString(), since, null, 0, READ_AT_MOST));
    } catch (RuntimeException unreadable) {
      // The history cannot be read now: the levels are alerted again rather than the rebuild fail
      // (alerts are delivered at least once).
    }
    String period = ref.kind() == LimitKind.BUDGET_DAILY ? "daily" : "monthly";
    Instant periodStart = Instant.ofEpochMilli(op.periodStartMs());
    long upTo = Thresholds.NONE;
    for (Alert a : alerts) {
      if (a.policy().equals(ref.policy().selector().toString()) && a.subject().equals(ref.subject())
          && a.period().equals(period) && a.periodStart().equals(periodStart)
          && Objects.equals(a.currency(), ref.currency()) && !a.at().isBefore(since)) {
        upTo = Math.max(upTo, amount(a));
      }
    }
    return upTo;
  }

  /** The amount {@code a}'s level stands for, rounded up as the levels a store judges are. */
  private static long amount(Alert a) {
    return a.limit().multiply(a.threshold()).movePointRight(9).setScale(0, RoundingMode.CEILING).longValueExact();
  }
}
