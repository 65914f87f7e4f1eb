package dev.quota.internal;

import dev.quota.Budget;
import dev.quota.LimitKind;
import dev.quota.LimitStatus;
import dev.quota.Mode;
import dev.quota.Money;
import dev.quota.Policy;
import dev.quota.QuotaRequest;
import dev.quota.RateLimit;
import dev.quota.Selector;
import dev.quota.plan.BudgetOp;
import dev.quota.plan.ConcurrencyOp;
import dev.quota.plan.CounterKey;
import dev.quota.plan.CounterKeys;
import dev.quota.plan.CounterOp;
import dev.quota.plan.Plan;
import dev.quota.plan.Predecessor;
import dev.quota.plan.RateOp;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns a request and the policies that match it into a {@link Plan}: one counter op per limit,
 * plus the metadata the engine needs to explain the store's answer ({@link OpRef}, aligned with
 * the plan's ops). Per-request cost caps need no counter and are judged here.
 */
public final class PlanCompiler {
  private PlanCompiler() {}

  /** Where an op came from: its policy, the subjects it counts for, and what kind of limit it is. */
  /** @param fromOverride whether {@code policy} is an override's limits in place of the selector's policy */
  public record OpRef(
      Policy policy, Map<String, String> subjects, String subject, LimitKind kind, RateLimit rateLimit, String currency,
      boolean fromOverride) {}

  /** A compiled request: the plan, its op refs, and limits judged without the store. */
  public record Compiled(Plan plan, List<OpRef> refs, List<LimitStatus> localLimits) {
    /** Whether a limit judged locally (a per-request cap) denies the request. */
    public boolean locallyDenied() {
      for (LimitStatus l : localLimits) {
        if (l.denies()) {
          return true;
        }
      }
      return false;
    }
  }

  public static Compiled compile(
      Plan.Kind kind,
      QuotaRequest request,
      List<Policy> policies,
      PolicyIndex index,
      Instant now,
      String reservationId,
      String payload,
      boolean seedBudgets) {
    return compile(kind, request, policies, index, now, reservationId, payload, seedBudgets, isRead(request));
  }

  /** Whether {@code request} asks for no call (requests 0): a read of the limits. */
  public static boolean isRead(QuotaRequest request) {
    return request.meter(RateLimit.REQUESTS) == 0;
  }

  /**
   * As above; with {@code read}, budgets hold only the estimate, never the cap a call of unknown
   * cost holds: a read of the limits takes nothing, whatever the requests it counts (a subject's
   * usage counts one, to show what a call of one request would find).
   */
  public static Compiled compile(
      Plan.Kind kind,
      QuotaRequest request,
      List<Policy> policies,
      PolicyIndex index,
      Instant now,
      String reservationId,
      String payload,
      boolean seedBudgets,
      boolean read) {
    List<CounterOp> ops = new ArrayList<>(16);
    List<OpRef> refs = new ArrayList<>(16);
    List<LimitStatus> local = new ArrayList<>(0);
    long estimate = request.estimatedCost().nanos();
    // Recorded usage charges what it says; a read of the limits holds nothing.
    long cost = kind == Plan.Kind.RECORD || read ? estimate : heldCost(estimate, policies);
    long seedBefore = index.seedBudgetsBefore(now.toEpochMilli());
    long storeNowMs = now.toEpochMilli() + index.storeAheadMs();
    for (Policy p : policies) {
      PolicyParts parts = index.parts(p);
      BoundPolicy bp = parts.bind(p, request.subjects());
      boolean enforced = p.mode() == Mode.ENFORCE;
      String label = parts.label;
      List<RateLimit> rates = p.rateLimits();
      for (int i = 0; i < rates.size(); i++) {
        RateLimit r = rates.get(i);
        List<Predecessor> from = bp.ratePredecessors[i];
        if (!from.isEmpty()) {
          from = Predecessor.liveAt(from, storeNowMs);
        }
        ops.add(new RateOp(bp.rateKeys[i], enforced, label, r, request.meter(r.meter()), from));
        refs.add(bp.rateRefs[i]);
      }
      Budget b = p.budget();
      if (b != null) {
        if (b.perRequest() != null) {
          boolean fits = estimate <= b.perRequest().nanos();
          local.add(
              new LimitStatus(
                  p.selector(), bp.display, LimitKind.BUDGET_PER_REQUEST, null, b.currency(),
                  b.perRequest().nanos(), estimate, null, null, fits, p.mode(), null, null, parts.fromOverride));
        }
        if (b.daily() != null) {
          BudgetCalendar.Period day = parts.day(b, now);
          ops.add(budgetOp(bp.budgetKey(b, day), enforced, label, b.daily(), day, cost, parts.dailyThresholds, seedBefore));
          refs.add(bp.dailyRef);
        }
        if (b.monthly() != null) {
          BudgetCalendar.Period month = parts.month(b, now);
          ops.add(budgetOp(bp.budgetKey(b, month), enforced, label, b.monthly(), month, cost, parts.monthlyThresholds, seedBefore));
          refs.add(bp.monthlyRef);
        }
      }
      if (p.concurrency() != null && kind != Plan.Kind.RECORD) {
        ops.add(new ConcurrencyOp(bp.concurrencyKey, enforced, label, p.concurrency()));
        refs.add(bp.concurrencyRef);
      }
    }
    Plan plan =
        new Plan(
            kind, ops, reservationId, request.ttl().toMillis(),
            // A dry run must not claim the key; and a reserve and a record never replay each other.
            kind == Plan.Kind.CHECK ? null : request.idempotencyKey(),
            kind == Plan.Kind.CHECK || request.idempotencyKey() == null ? null : kind + "|" + request.fingerprint(),
            payload, seedBudgets);
    return new Compiled(plan, refs, local);
  }

  /**
   * What a decision holds against budgets: the estimate, or, for a call that gives none (zero),
   * the smallest per-request cap an enforced policy sets, the most the call may cost. Holding
   * nothing would let concurrent calls of unknown cost each pass a nearly spent budget and together
   * overspend it, and their caps would bound nothing; the commit charges the actual cost instead,
   * and what exceeds the hold is recorded as an overrun. A policy in shadow mode sets no hold: it
   * must not change what is admitted. A request for no call (requests 0: a subject's usage, a check
   * that reads the limits) holds nothing, or a budget with less than the cap left would read as
   * exhausted until its period ends.
   */
  public static long heldCost(long estimate, List<Policy> policies) {
    if (estimate > 0) {
      return estimate;
    }
    long cap = 0;
    for (Policy p : policies) {
      Budget b = p.budget();
      if (p.mode() == Mode.ENFORCE && b != null && b.perRequest() != null) {
        long c = b.perRequest().nanos();
        cap = cap == 0 ? c : Math.min(cap, c);
      }
    }
    return cap;
  }

  private static BudgetOp budgetOp(
      CounterKey key, boolean enforced, String label, Money limit, BudgetCalendar.Period period,
      long cost, long[] thresholds, long seedBefore) {
    return new BudgetOp(key, enforced, label, limit.nanos(), cost, period.startMs(), period.endMs(), thresholds, seedBefore);
  }

  /** Each threshold as an amount, rounded up so an alert never fires before its level is reached. */
  static long[] thresholdNanos(Money limit, List<BigDecimal> thresholds) {
    long[] out = new long[thresholds.size()];
    BigDecimal l = BigDecimal.valueOf(limit.nanos());
    for (int i = 0; i < out.length; i++) {
      out[i] = l.multiply(thresholds.get(i)).setScale(0, RoundingMode.CEILING).longValueExact();
    }
    return out;
  }

  static Map<String, String> subjectsOf(Selector selector, Map<String, String> request) {
    if (!selector.isPair()) {
      String scope = selector.parts().get(0).scope();
      return Map.of(scope, request.get(scope));
    }
    Map<String, String> m = new TreeMap<>();
    for (Selector.Part part : selector.parts()) {
      m.put(part.scope(), request.get(part.scope()));
    }
    return m;
  }

  /** The subject as people read it: {@code user:alice} or {@code tool:x,user:alice} (scopes in selector order). */
  static String display(Selector selector, Map<String, String> request) {
    List<Selector.Part> parts = selector.parts();
    String first = parts.get(0).scope() + ":" + request.get(parts.get(0).scope());
    if (parts.size() == 1) {
      return first;
    }
    return first + "," + parts.get(1).scope() + ":" + request.get(parts.get(1).scope());
  }
}
