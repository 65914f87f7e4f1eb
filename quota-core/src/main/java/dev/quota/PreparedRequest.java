package dev.quota;

import dev.quota.internal.PlanCompiler;
import dev.quota.internal.PolicyIndex;
import dev.quota.plan.CounterOp;
import dev.quota.plan.Plan;
import dev.quota.plan.RateOp;
import dev.quota.store.MemoryStore;
import java.time.Instant;
import java.util.List;

/**
 * A request resolved and compiled once, for callers that make the same request over and over (a
 * gateway guarding one route for one user, a worker loop). {@link #tryAcquire()} admits and
 * consumes like a reservation committed at once at its estimate, without building the plan again.
 *
 * <p>The compiled plan is reused while the policies and overrides it was compiled from are
 * unchanged; after any admin change, or once an override it depends on may have expired, it is
 * compiled again. When every limit is a rate limit and the store is the in-memory store, a call
 * takes the store's lock-and-count fast path and allocates nothing.
 */
public final class PreparedRequest {
  private final Quota quota;
  private final QuotaRequest request;
  private volatile Compiled compiled;

  /** One compilation and what it stays valid for. */
  private record Compiled(PolicyIndex index, long validUntilMs, RateOp[] rateOps, int[] stripes, boolean rateOnly) {}

  PreparedRequest(Quota quota, QuotaRequest request) {
    this.quota = quota;
    this.request = request;
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
    Compiled c = current();
    if (c.rateOnly && quota.store() instanceof MemoryStore memory) {
      return memory.tryConsume(c.rateOps, c.stripes);
    }
    Decision d = quota.reserve(request);
    if (d.admitted() && d.reservationId() != null) {
      quota.commit(d.reservationId(), request.estimatedCost(), request.meters());
    }
    return d.admitted();
  }

  private Compiled current() {
    Compiled c = compiled;
    long now = quota.clock().millis();
    if (c == null || c.index != quota.index() || now >= c.validUntilMs) {
      c = compile(now);
      compiled = c;
    }
    return c;
  }

  private Compiled compile(long now) {
    PolicyIndex index = quota.index();
    Instant at = Instant.ofEpochMilli(now);
    List<Policy> policies = index.resolve(request.subjects(), at);
    PlanCompiler.Compiled plan =
        PlanCompiler.compile(Plan.Kind.RESERVE, request, policies, at, null, null, false);
    List<CounterOp> ops = plan.plan().ops();
    boolean rateOnly = plan.localLimits().isEmpty() && ops.stream().allMatch(op -> op instanceof RateOp);
    RateOp[] rateOps = rateOnly ? ops.toArray(new RateOp[0]) : new RateOp[0];
    int[] stripes = rateOnly && quota.store() instanceof MemoryStore m ? m.stripesOf(rateOps) : new int[0];
    return new Compiled(index, index.nextChangeAfter(now), rateOps, stripes, rateOnly);
  }
}
