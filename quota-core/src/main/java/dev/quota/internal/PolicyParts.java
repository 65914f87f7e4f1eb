package dev.quota.internal;

import dev.quota.Budget;
import dev.quota.Policy;
import dev.quota.RateLimit;
import dev.quota.plan.CounterKeys;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What every request under one policy shares, worked out once when the policy index is built:
 * counter names, alert levels as amounts, and the budget periods last computed. Keeps string
 * building, decimal arithmetic and calendar math off the decision path.
 */
final class PolicyParts {
  final String label;
  final String[] rateNames;
  /** Per rate limit, the retired limits of its meter it carries use over from; mostly empty. */
  final List<RetiredRate>[] predecessors;
  final long[] dailyThresholds;
  final long[] monthlyThresholds;
  /** Whether the policy is an override's limits (or their shadow-mode copy) in place of the selector's policy. */
  final boolean fromOverride;
  /** Bindings to single subjects, by identifier; dropped wholesale when it grows past its bound. */
  private final ConcurrentHashMap<String, BoundPolicy> bound =
      new ConcurrentHashMap<>();
  private static final int MAX_BOUND = 1 << 16;
  // Periods are immutable; a racing thread at worst recomputes one.
  private volatile BudgetCalendar.Period day;
  private volatile BudgetCalendar.Period month;

  PolicyParts(Policy p) {
    this(p, false, List.of());
  }

  @SuppressWarnings("unchecked")
  PolicyParts(Policy p, boolean fromOverride, List<RetiredRate> retired) {
    this.fromOverride = fromOverride;
    this.label = p.selector().toString();
    this.rateNames = new String[p.rateLimits().size()];
    this.predecessors = new List[rateNames.length];
    for (int i = 0; i < rateNames.length; i++) {
      RateLimit r = p.rateLimits().get(i);
      rateNames[i] = CounterKeys.rateName(r);
      List<RetiredRate> same = new ArrayList<>(0);
      for (RetiredRate old : retired) {
        if (old.limit().meter().equals(r.meter())) {
          same.add(old);
        }
      }
      predecessors[i] = List.copyOf(same);
    }
    Budget b = p.budget();
    this.dailyThresholds =
        b == null || b.daily() == null ? null : PlanCompiler.thresholdNanos(b.daily(), p.alertThresholds());
    this.monthlyThresholds =
        b == null || b.monthly() == null ? null : PlanCompiler.thresholdNanos(b.monthly(), p.alertThresholds());
  }

  /** This policy bound to the request's subject(s); cached for single-scope policies. */
  BoundPolicy bind(Policy p, Map<String, String> request) {
    if (p.selector().isPair()) {
      return new BoundPolicy(p, this, request);
    }
    String id = request.get(p.selector().parts().get(0).scope());
    BoundPolicy b = bound.get(id);
    if (b == null) {
      if (bound.size() >= MAX_BOUND) {
        bound.clear(); // a cache, not a registry: rebuilding a binding is cheap
      }
      b = new BoundPolicy(p, this, request);
      bound.put(id, b);
    }
    return b;
  }

  BudgetCalendar.Period day(Budget b, Instant now) {
    BudgetCalendar.Period d = day;
    if (d == null || !d.contains(now.toEpochMilli())) {
      d = BudgetCalendar.day(b, now);
      day = d;
    }
    return d;
  }

  BudgetCalendar.Period month(Budget b, Instant now) {
    BudgetCalendar.Period m = month;
    if (m == null || !m.contains(now.toEpochMilli())) {
      m = BudgetCalendar.month(b, now);
      month = m;
    }
    return m;
  }
}
