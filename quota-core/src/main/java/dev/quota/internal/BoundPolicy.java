package dev.quota.internal;

import dev.quota.Budget;
import dev.quota.LimitKind;
import dev.quota.Policy;
import dev.quota.RateLimit;
import dev.quota.internal.PlanCompiler.OpRef;
import dev.quota.plan.CounterKey;
import dev.quota.plan.CounterKeys;
import dev.quota.plan.Predecessor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A policy bound to the concrete subject (or subject pair) it counts for: the counter keys and the
 * descriptions every request of that subject shares. Built once per subject and cached by
 * {@link PolicyParts} for single-scope policies, so a repeat request builds no key strings.
 */
final class BoundPolicy {
  /** A budget counter's key for one period; replaced when the period moves on. */
  private record PeriodKey(long startMs, CounterKey key) {}

  final Map<String, String> subjects;
  final String key;
  final String display;
  final CounterKey[] rateKeys;
  /** Per rate limit, the counters of this subject it carries use over from ({@link PolicyParts#predecessors}). */
  final List<Predecessor>[] ratePredecessors;
  final OpRef[] rateRefs;
  final OpRef dailyRef;
  final OpRef monthlyRef;
  final OpRef concurrencyRef;
  final CounterKey concurrencyKey;
  private volatile PeriodKey daily;
  private volatile PeriodKey monthly;

  @SuppressWarnings("unchecked")
  BoundPolicy(Policy p, PolicyParts parts, Map<String, String> request) {
    this.subjects = PlanCompiler.subjectsOf(p.selector(), request);
    this.key = CounterKeys.subjectOf(p.selector(), request);
    this.display = PlanCompiler.display(p.selector(), request);
    int n = p.rateLimits().size();
    this.rateKeys = new CounterKey[n];
    this.rateRefs = new OpRef[n];
    this.ratePredecessors = new List[n];
    for (int i = 0; i < n; i++) {
      RateLimit r = p.rateLimits().get(i);
      rateKeys[i] = CounterKeys.named(key, parts.rateNames[i]);
      ratePredecessors[i] = predecessors(key, parts.predecessors[i]);
      rateRefs[i] = new OpRef(p, subjects, display, LimitKind.RATE, r, null, parts.fromOverride);
    }
    Budget b = p.budget();
    this.dailyRef = b == null ? null : new OpRef(p, subjects, display, LimitKind.BUDGET_DAILY, null, b.currency(), parts.fromOverride);
    this.monthlyRef = b == null ? null : new OpRef(p, subjects, display, LimitKind.BUDGET_MONTHLY, null, b.currency(), parts.fromOverride);
    this.concurrencyRef = new OpRef(p, subjects, display, LimitKind.CONCURRENCY, null, null, parts.fromOverride);
    this.concurrencyKey = CounterKeys.concurrency(key);
  }

  private static List<Predecessor> predecessors(String subject, List<RetiredRate> retired) {
    if (retired.isEmpty()) {
      return List.of();
    }
    List<Predecessor> out = new ArrayList<>(retired.size());
    for (RetiredRate r : retired) {
      out.add(new Predecessor(CounterKeys.rate(subject, r.limit()), r.limit(), r.untilMs()));
    }
    return List.copyOf(out);
  }

  CounterKey budgetKey(Budget b, BudgetCalendar.Period period) {
    boolean isDaily = period.name().equals("daily");
    PeriodKey k = isDaily ? daily : monthly;
    if (k == null || k.startMs != period.startMs()) {
      k = new PeriodKey(period.startMs(), CounterKeys.budget(key, b.currency(), period.name(), period.startMs()));
      if (isDaily) {
        daily = k;
      } else {
        monthly = k;
      }
    }
    return k.key;
  }
}
