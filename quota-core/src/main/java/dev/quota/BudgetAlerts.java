package dev.quota;

import dev.quota.alert.Alert;
import dev.quota.alert.AlertDispatcher;
import dev.quota.internal.Payload;
import dev.quota.internal.PlanCompiler;
import dev.quota.internal.PlanCompiler.Compiled;
import dev.quota.internal.PlanCompiler.OpRef;
import dev.quota.internal.PolicyIndex;
import dev.quota.plan.BudgetOp;
import dev.quota.plan.OpResults;
import dev.quota.plan.Plan;
import dev.quota.plan.PlanResult;
import dev.quota.plan.SettleResult;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns the thresholds a store reports as newly crossed into {@link Alert}s, told to the listener
 * and handed to the {@link AlertDispatcher}, which stores them in the alert history and delivers
 * them off the decision path: a decision never waits for, or fails because of, the history. A
 * store only says which bits of which budget counter fired; this class knows which policy, subject
 * and level each bit stands for.
 */
final class BudgetAlerts {
  private final Clock clock;
  private final QuotaListener listener;
  private final AlertDispatcher dispatcher;

  BudgetAlerts(Clock clock, QuotaListener listener, AlertDispatcher dispatcher) {
    this.clock = clock;
    this.listener = listener;
    this.dispatcher = dispatcher;
  }

  /** The alerts of an applied plan. */
  void fire(Compiled c, PlanResult r) {
    OpResults results = r.results();
    for (int i = 0; i < results.size(); i++) {
      int fired = results.firedThresholds(i);
      if (fired != 0) {
        fireOp(c, i, results.used(i), fired);
      }
    }
  }

  /** The alerts of a prepared fast-path admission, which reports per op what fired and the amount used. */
  void fire(Compiled c, int[] fired, long[] used) {
    for (int i = 0; i < fired.length; i++) {
      if (fired[i] != 0) {
        fireOp(c, i, used[i], fired[i]);
      }
    }
  }

  /**
   * A commit can push a budget over thresholds too. A settlement names only counter keys, so the
   * reservation's subjects are compiled again against {@code snapshot} to find each key's policy:
   * first at {@code reservedAt}, since a commit charges the counters its reservation held (those of
   * the periods it was made in, which may have ended since), then at the commit's time for any key
   * not found there (a store that did not say when the reservation was made: {@code reservedAt}
   * null).
   */
  void fireSettled(SettleResult r, Payload p, PolicyIndex snapshot, Instant reservedAt) {
    List<SettleResult.BudgetChange> left = r.budgets().stream().filter(b -> b.firedThresholds() != 0).toList();
    Instant now = Instant.ofEpochMilli(r.nowMs());
    for (Instant at : reservedAt == null ? List.of(now) : List.of(reservedAt, now)) {
      if (left.isEmpty()) {
        return;
      }
      left = fireMatched(left, p, snapshot, at);
    }
  }

  /** Fires the changes whose counters the subjects compiled at {@code at} name; returns the others. */
  private List<SettleResult.BudgetChange> fireMatched(
      List<SettleResult.BudgetChange> changes, Payload p, PolicyIndex snapshot, Instant at) {
    QuotaRequest probe = QuotaRequest.rebuilt(p.subjects(), Money.ZERO, Map.of());
    Compiled c =
        PlanCompiler.compile(Plan.Kind.CHECK, probe, snapshot.resolve(p.subjects(), at), snapshot, at, null, null, false);
    List<SettleResult.BudgetChange> unmatched = new ArrayList<>();
    for (SettleResult.BudgetChange change : changes) {
      boolean matched = false;
      for (int i = 0; i < c.refs().size(); i++) {
        if (c.plan().ops().get(i) instanceof BudgetOp b && b.key().equals(change.key())) {
          fireOp(c, i, change.usedNanos(), change.firedThresholds(), change.limitNanos());
          matched = true;
        }
      }
      if (!matched) {
        unmatched.add(change);
      }
    }
    return unmatched;
  }

  /**
   * The levels a budget counter rebuilt from the ledger at {@code used} passed without any counter
   * alerting them: crossed by spend recorded while the store was away, whose counter it then lost.
   */
  void fireRebuilt(Compiled c, int i, long used, int fired) {
    fireOp(c, i, used, fired);
  }

  private void fireOp(Compiled c, int i, long used, int fired) {
    if (c.plan().ops().get(i) instanceof BudgetOp b) {
      fireOp(c, i, used, fired, b.limitNanos());
    }
  }

  /** As above, for a counter judged against {@code limitNanos}, which a settlement's reservation held. */
  private void fireOp(Compiled c, int i, long used, int fired, long limitNanos) {
    if (c.plan().ops().get(i) instanceof BudgetOp b) {
      OpRef ref = c.refs().get(i);
      emit(ref.policy(), ref.subject(), ref.kind(), b, limitNanos, used, fired);
    }
  }

  /**
   * One alert per fired bit: bit 31 is exhaustion, the others index the policy's thresholds. A
   * settlement's bits index the levels its reservation was made under, which an admin may have
   * changed since: a bit naming no level of the policy in force, or one {@code used} does not reach
   * against {@code limitNanos}, is not the level the counter crossed, and is left out.
   */
  private void emit(Policy policy, String subject, LimitKind kind, BudgetOp op, long limitNanos, long used, int fired) {
    List<BigDecimal> levels = policy.alertThresholds();
    for (int bit = 0; bit < 32; bit++) {
      if ((fired & (1 << bit)) == 0) {
        continue;
      }
      if (bit != 31 && (bit >= levels.size() || !reaches(used, limitNanos, levels.get(bit)))) {
        continue;
      }
      BigDecimal level = bit == 31 ? BigDecimal.ONE : levels.get(bit);
      Alert a =
          new Alert(
              Quota.newId(), clock.instant(), policy.selector().toString(), subject,
              kind == LimitKind.BUDGET_DAILY ? "daily" : "monthly", Instant.ofEpochMilli(op.periodStartMs()), level,
              MoneyTotal.ofNanos(used).toBigDecimal(), Money.ofNanos(limitNanos).toBigDecimal(),
              policy.budget().currency());
      listener.onAlert(a);
      dispatcher.dispatch(a);
    }
  }

  /** Whether {@code used} is at least {@code level} of {@code limitNanos}, as the store judges a level. */
  private static boolean reaches(long used, long limitNanos, BigDecimal level) {
    return BigDecimal.valueOf(used).compareTo(BigDecimal.valueOf(limitNanos).multiply(level)) >= 0;
  }
}
