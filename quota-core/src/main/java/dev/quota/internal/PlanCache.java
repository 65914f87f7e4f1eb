package dev.quota.internal;

import dev.quota.Policy;
import dev.quota.QuotaRequest;
import dev.quota.plan.BudgetOp;
import dev.quota.plan.CounterOp;
import dev.quota.plan.Plan;
import java.util.List;

/**
 * Compilations of recently decided requests, so that a request made again (the same content, the
 * same kind of decision) skips policy resolution, compilation and payload encoding.
 *
 * <p>An entry serves only under the policy index it was compiled from, from the time it was
 * compiled until resolution (an override's expiry) or one of its budget periods could change: the
 * same rules a prepared request follows, so a cached plan is always the plan a fresh compilation
 * would give. Its plan carries no reservation id; {@link Entry#compiled(String)} adds the call's.
 *
 * <p>A fixed array of slots chosen by the request's hash: memory stays bounded and a collision
 * only costs a compilation. A request is remembered only when it comes back while its hash is
 * still noted in its slot, so callers with more distinct requests than slots do not churn the
 * cache (and the garbage collector) for nothing. Entries are immutable, so threads share the
 * slots without locks; the notes are hints.
 */
public final class PlanCache {
  private final Entry[] slots;
  /** Per slot, the hash of the last request that missed there. */
  private final int[] missed;
  private final int mask;

  /** @param slots a power of two */
  public PlanCache(int slots) {
    if (Integer.bitCount(slots) != 1) {
      throw new IllegalArgumentException("slots must be a power of two");
    }
    this.slots = new Entry[slots];
    this.missed = new int[slots];
    this.mask = slots - 1;
  }

  /** One compilation and when it applies. */
  public record Entry(
      QuotaRequest request,
      int hash,
      Plan.Kind kind,
      PolicyIndex index,
      long fromMs,
      long untilMs,
      List<Policy> policies,
      PlanCompiler.Compiled template) {

    /** The compilation with {@code reservationId} in its plan. */
    public PlanCompiler.Compiled compiled(String reservationId) {
      return withReservation(template, reservationId);
    }
  }

  /** {@code template} with {@code reservationId} in its plan. */
  public static PlanCompiler.Compiled withReservation(PlanCompiler.Compiled template, String reservationId) {
    if (reservationId == null) {
      return template;
    }
    Plan p = template.plan();
    Plan plan =
        new Plan(p.kind(), p.ops(), reservationId, p.ttlMs(), p.idempotencyKey(), p.fingerprint(), p.payload(), p.seedBudgets());
    return new PlanCompiler.Compiled(plan, template.refs(), template.localLimits());
  }

  /** The hash {@link #find} and {@link #remember} take: computed once per decision. */
  public static int hash(Plan.Kind kind, QuotaRequest request) {
    int h = request.hashCode() * 31 + kind.ordinal();
    return h ^ (h >>> 16);
  }

  /** The entry for {@code request} valid under {@code index} at {@code nowMs}, or null. */
  public Entry find(int h, Plan.Kind kind, QuotaRequest request, PolicyIndex index, long nowMs) {
    Entry e = slots[h & mask];
    return e != null
            && e.hash == h
            && e.kind == kind
            && e.index == index
            && nowMs >= e.fromMs
            && nowMs < e.untilMs
            && (e.request == request || e.request.equals(request))
        ? e
        : null;
  }

  /**
   * Offers {@code template}, compiled at {@code nowMs} without a reservation id: kept for later
   * calls if the request also missed in its slot last time, else only noted.
   */
  public void remember(
      int h, Plan.Kind kind, QuotaRequest request, PolicyIndex index, long nowMs, List<Policy> policies,
      PlanCompiler.Compiled template) {
    int slot = h & mask;
    if (missed[slot] != h) {
      missed[slot] = h;
      return;
    }
    long until = index.nextChangeAfter(nowMs);
    for (CounterOp op : template.plan().ops()) {
      if (op instanceof BudgetOp b) {
        until = Math.min(until, b.periodEndMs());
      }
    }
    slots[slot] = new Entry(request, h, kind, index, nowMs, until, List.copyOf(policies), template);
  }
}
