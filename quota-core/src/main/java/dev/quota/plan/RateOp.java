package dev.quota.plan;

import dev.quota.RateLimit;
import java.util.List;

/**
 * Consume {@code amount} units of a rate limit's meter, if the limit has room for them. A counter
 * made for it starts from the most any of {@code predecessors} (kept at the store's time) counts as
 * used, in the same atomic step, so a changed window or algorithm hands out no fresh allowance.
 */
public record RateOp(
    CounterKey key, boolean enforced, String label, RateLimit limit, long amount, List<Predecessor> predecessors)
    implements CounterOp {
  public RateOp {
    predecessors = List.copyOf(predecessors);
  }

  /** An op whose counter has no predecessor. */
  public RateOp(CounterKey key, boolean enforced, String label, RateLimit limit, long amount) {
    this(key, enforced, label, limit, amount, List.of());
  }
}
