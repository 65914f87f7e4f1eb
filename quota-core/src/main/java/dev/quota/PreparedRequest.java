package dev.quota;

import dev.quota.internal.PlanCompiler;
import dev.quota.internal.PolicyIndex;
import dev.quota.ledger.SpendCurrency;
import dev.quota.plan.BudgetOp;
import dev.quota.plan.ConcurrencyOp;
import dev.quota.plan.CounterOp;
import dev.quota.plan.Plan;
import dev.quota.store.MemoryStore;
import dev.quota.store.PreparedOps;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A request resolved and compiled once, for callers that make the same request over and over (a
 * gateway guarding one route for one user, a worker loop). {@link #tryAcquire()} admits and
 * consumes like a reservation committed at once at its estimate, without building the plan again.
 *
 * <p>The compiled plan is reused while the policies and overrides it was compiled from are
 * unchanged and its budget periods last; after any admin change, once an override it depends on
 * may have expired, or at a period's end, it is compiled again. On the in-memory store, a plan
 * without concurrency caps takes the store's lock-and-count fast path, which allocates nothing
 * for rate limits; budgets charged there also go to the ledger, as with {@link Quota#record}. A
 * request without an estimate that a per-request cap applies to is reserved and committed instead,
 * so that it needs room for the cap, as its reservation would. A call admitted because the store
 * could not be reached and its policies fail open is charged at its estimate as usage recorded
 * then would be (see {@link Quota#owedCharges}).
 */
public final class PreparedRequest {
  /**
   * The compilation's prepared ops when they are all a call needs: rate limits only, no per-request
   * cap, valid until the policy index changes. Read first, in one hop, with the index they were
   * compiled from as their {@link PreparedOps#source() source}; null otherwise. The first reference
   * field: a collector that moves this object copies the first field's object right after it.
   */
  private volatile PreparedOps direct;
  private final Quota quota;
  private final QuotaRequest request;
  /**
   * The request's subjects and meters as immutable maps, made once: a ledger row copies the maps it
   * is given unless they are immutable already, and that copy cost more than the whole decision.
   */
  private final Map<String, String> subjects;
  private final Map<String, Long> meters;
  /** The request's estimate, kept here so that charging it reads no other object of this request. */
  private final Money estimatedCost;
  private volatile Compiled compiled;

  /** One compilation and what it stays valid for. */
  private static final class Compiled {
    final PolicyIndex index;
    final long validUntilMs;
    final PlanCompiler.Compiled plan;
    final int opCount;
    final boolean capped;
    final boolean charges;
    /** The currency of what it charges: see {@link SpendCurrency}. */
    final String currency;
    /** Set once, before this object is published through a volatile field (see {@link Planned#prepare}). */
    PreparedOps fast;

    Compiled(
        PolicyIndex index, long validUntilMs, PlanCompiler.Compiled plan, int opCount, boolean capped, boolean charges,
        String currency) {
      this.index = index;
      this.validUntilMs = validUntilMs;
      this.plan = plan;
      this.opCount = opCount;
      this.capped = capped;
      this.charges = charges;
      this.currency = currency;
    }

    /** The prepared ops if the index alone decides whether they still apply; see {@link #direct}. */
    PreparedOps direct() {
      return fast != null && !capped && !charges && validUntilMs == Long.MAX_VALUE && fast.source() == index ? fast : null;
    }
  }

  private PreparedRequest(Quota quota, QuotaRequest request, Planned planned) {
    // The first allocations after this object's are what a call reads, in that order: the maps a
    // charge hands to the ledger (which looks at their class) if the request charges, then the
    // compilation's record and the store's prepared ops, then their counters. A request that only
    // counts never reads the maps, so they come last.
    boolean charges = planned.charges();
    Map<String, String> chargedSubjects = charges ? Map.copyOf(request.subjects()) : null;
    Map<String, Long> chargedMeters = charges ? Map.copyOf(request.meters()) : null;
    Compiled first = planned.prepare(quota);
    this.subjects = charges ? chargedSubjects : Map.copyOf(request.subjects());
    this.meters = charges ? chargedMeters : Map.copyOf(request.meters());
    this.compiled = first;
    this.direct = first.direct();
    this.quota = quota;
    this.request = request;
    this.estimatedCost = request.estimatedCost();
  }

  /**
   * Compiles the plan first and prepares it on the store only once this object is allocated: what
   * a call reads (this object, the store's prepared ops, a new key's counters) then lies together
   * in memory rather than amid the compilation's garbage, which matters more than anything else
   * once there are more keys than fit in cache.
   */
  static PreparedRequest of(Quota quota, QuotaRequest request) {
    // Not inlined into the constructor call: `new` allocates before its arguments are evaluated,
    // which put 1.2 KB of the compilation's garbage between this object and its prepared ops, a
    // cache miss more per call (a one-limit call at 10,000 Zipf keys took about a quarter longer).
    Planned planned = plan(quota, request, quota.clock().millis());
    return new PreparedRequest(quota, request, planned);
  }

  public QuotaRequest request() {
    return request;
  }

  /**
   * Admits and consumes if every enforced limit has room: rate limits are consumed and, if
   * budgets apply, the estimate is charged to them (a reservation committed at once). Returns
   * false, consuming nothing, if any limit refuses.
   */
  public boolean tryAcquire() {
    PreparedOps ops = direct;
    // A stale compilation's ops are still right while the index they came from is current.
    if (ops != null && ops.source() == quota.index()) {
      int outcome = ops.tryConsume(null, null);
      if (outcome != PreparedOps.NEEDS_PLAN) {
        return outcome == PreparedOps.ADMITTED;
      }
    }
    // Past the in-memory store's rate-only path, which touches nothing a closed engine closed.
    quota.requireOpen();
    Compiled c = current();
    if (c.capped) {
      return false; // a per-request cap refuses this request whatever the counters say
    }
    if (c.fast != null) {
      // Only plans that charge budgets need to hear about alerts; rate-only plans allocate nothing.
      AlertScratch scratch = c.charges ? AlertScratch.forThisThread(c.opCount) : null;
      int outcome = c.fast.tryConsume(scratch == null ? null : scratch.fired, scratch == null ? null : scratch.used);
      if (outcome == PreparedOps.ADMITTED) {
        if (c.charges) {
          AlertScratch.Crossings crossed = scratch.take(c.opCount);
          quota.charged(subjects, estimatedCost, meters, c.currency, c.plan, crossed);
        }
        return true;
      }
      if (outcome == PreparedOps.DENIED) {
        return false;
      }
    }
    Decision d = quota.reserve(request);
    if (d.admitted() && d.reservationId() != null) {
      quota.commit(d.reservationId(), request.estimatedCost(), request.meters());
    } else if (d.failOpen()) {
      // Admitted with the store away, so nothing was reserved: the call goes ahead all the same,
      // and its estimate is charged to the ledger and owed to the budgets.
      quota.chargeFailedOpen(request);
    }
    return d.admitted();
  }

  private Compiled current() {
    Compiled c = compiled;
    // Without budgets or overrides a plan only goes stale with the policy index: skip the clock.
    if (c == null
        || c.index != quota.index()
        || (c.validUntilMs != Long.MAX_VALUE && quota.clock().millis() >= c.validUntilMs)) {
      c = plan(quota, request, quota.clock().millis()).prepare(quota);
      compiled = c;
      direct = c.direct();
    }
    return c;
  }

  /** A compiled plan not yet prepared on the store. */
  private record Planned(
      PolicyIndex index, long validUntilMs, PlanCompiler.Compiled plan, CounterOp[] ops, boolean fast, boolean charges,
      String currency) {
    /**
     * Made in the order a call reads them: a plan that charges reads this record on every call, so
     * it comes first; one that only counts reads the ops alone (see {@link #direct}), so they do.
     */
    Compiled prepare(Quota quota) {
      PreparedOps first = charges ? null : prepareOps(quota);
      Compiled c = new Compiled(index, validUntilMs, plan, ops.length, plan.locallyDenied(), charges, currency);
      c.fast = charges ? prepareOps(quota) : first;
      return c;
    }

    private PreparedOps prepareOps(Quota quota) {
      return fast ? ((MemoryStore) quota.store()).prepare(ops, index) : null;
    }
  }

  private static Planned plan(Quota quota, QuotaRequest request, long now) {
    PolicyIndex index = quota.index();
    Instant at = Instant.ofEpochMilli(now);
    List<Policy> policies = index.resolve(request.subjects(), at);
    PlanCompiler.Compiled plan = PlanCompiler.compile(Plan.Kind.RECORD, request, policies, index, at, null, null, false);
    CounterOp[] ops = plan.plan().ops().toArray(new CounterOp[0]);
    long validUntil = index.nextChangeAfter(now);
    boolean fast = quota.store() instanceof MemoryStore;
    boolean charges = false;
    for (CounterOp op : ops) {
      if (op instanceof ConcurrencyOp) {
        fast = false;
      }
      if (op instanceof BudgetOp b) {
        validUntil = Math.min(validUntil, b.periodEndMs());
        charges |= b.amountNanos() > 0;
      }
    }
    for (Policy p : policies) {
      fast &= p.concurrency() == null; // RECORD plans leave slots out; reservations need them
    }
    // A call without an estimate is admitted only where the smallest per-request cap still fits (a
    // reservation holds it); the fast path, which charges what the call says, would judge 0.
    fast &= request.estimatedCost().nanos() > 0 || PlanCompiler.heldCost(0, policies) == 0;
    return new Planned(index, validUntil, plan, ops, fast, charges, SpendCurrency.of(policies));
  }
}
