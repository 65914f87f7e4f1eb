package dev.quota.plan;

import dev.quota.RateLimit;
import java.util.ArrayList;
import java.util.List;

/**
 * A counter a rate limit replaced: the same meter of the same policy, counted under another window
 * or algorithm, whose use a {@link RateOp}'s counter starts from when it is first made. Kept until
 * {@code untilMs} (store time): its window from when the engine took the change up, after which it
 * counts nothing of the time before the change.
 */
public record Predecessor(CounterKey key, RateLimit limit, long untilMs) {
  /** {@code from} without the predecessors dropped by {@code storeNowMs}: the same list if none is. */
  public static List<Predecessor> liveAt(List<Predecessor> from, long storeNowMs) {
    int live = 0;
    for (Predecessor p : from) {
      live += p.untilMs > storeNowMs ? 1 : 0;
    }
    if (live == from.size()) {
      return from;
    }
    List<Predecessor> out = new ArrayList<>(live);
    for (Predecessor p : from) {
      if (p.untilMs > storeNowMs) {
        out.add(p);
      }
    }
    return List.copyOf(out);
  }
}
