package dev.quota;

import dev.quota.internal.PlanCompiler.Compiled;
import dev.quota.internal.PlanCompiler.OpRef;
import dev.quota.plan.BudgetOp;
import dev.quota.plan.ConcurrencyOp;
import dev.quota.plan.CounterOp;
import dev.quota.plan.OpResults;
import dev.quota.plan.PlanResult;
import dev.quota.plan.RateOp;
import java.time.Instant;
import java.util.AbstractList;
import java.util.RandomAccess;

/**
 * A decision's limits, each built from the store's answer when first read. Most callers read one
 * limit (the binding one) or none, and a full decision covers a dozen, so building them all up
 * front was most of what a decision allocated. Unmodifiable, like any list a decision returns.
 */
final class DecisionLimits extends AbstractList<LimitStatus> implements RandomAccess {
  private final Compiled compiled;
  private final PlanResult result;
  /** Built so far; a race builds one twice at worst, and LimitStatus is immutable. */
  private final LimitStatus[] built;

  DecisionLimits(Compiled compiled, PlanResult result) {
    this.compiled = compiled;
    this.result = result;
    this.built = new LimitStatus[compiled.refs().size() + compiled.localLimits().size()];
  }

  /** When the store decided, by its own clock (Redis {@code TIME} on Redis). */
  Instant decidedAt() {
    return Instant.ofEpochMilli(result.nowMs());
  }

  @Override
  public LimitStatus get(int i) {
    LimitStatus s = built[i];
    if (s == null) {
      s = build(i);
      built[i] = s;
    }
    return s;
  }

  @Override
  public int size() {
    return built.length;
  }

  private LimitStatus build(int i) {
    int stored = compiled.refs().size();
    if (i >= stored) {
      return compiled.localLimits().get(i - stored);
    }
    OpRef ref = compiled.refs().get(i);
    OpResults o = result.results();
    RateLimit rate = ref.rateLimit();
    long resetAtMs = o.resetAtMs(i);
    long retryAtMs = o.retryAtMs(i);
    boolean allowed = o.allowed(i);
    CounterOp op = compiled.plan().ops().get(i);
    return new LimitStatus(
        ref.policy().selector(), ref.subject(), ref.kind(), rate == null ? null : rate.meter(), ref.currency(),
        limitOf(op), o.used(i),
        resetAtMs == 0 ? null : Instant.ofEpochMilli(resetAtMs),
        allowed || retryAtMs < 0 ? null : Instant.ofEpochMilli(retryAtMs),
        allowed, ref.policy().mode(), rate == null ? null : rate.window(),
        op instanceof BudgetOp b ? BudgetPeriod.of(ref.policy().budget(), b.periodStartMs(), b.periodEndMs()) : null,
        ref.fromOverride(), rate == null ? null : rate.algorithm());
  }

  private static long limitOf(CounterOp op) {
    if (op instanceof RateOp r) {
      return r.limit().limit();
    }
    return op instanceof BudgetOp b ? b.limitNanos() : ((ConcurrencyOp) op).max();
  }
}
