package dev.quota.store;

import dev.quota.internal.SlidingWindow;
import dev.quota.internal.TokenBucket;
import dev.quota.plan.CounterKey;
import dev.quota.plan.Predecessor;
import dev.quota.plan.RateOp;
import java.util.Map;

/**
 * Starts a new rate counter from the use of the counters it replaced ({@link RateOp#predecessors}):
 * the most any of them still kept at {@code now} counts as used (a window its count in its window,
 * a bucket its capacity less its tokens), so a limit given another window or algorithm hands out
 * no fresh allowance. Errs toward denial: a window counts that use at the moment it is made, and
 * keeps it for its whole window; a bucket starts with its capacity less it, never below empty.
 */
final class RateCarry {
  private RateCarry() {}

  /** {@code fresh}, the op's counter just made, charged with its predecessors' use. */
  static Object carry(Object fresh, RateOp op, Map<CounterKey, Object> counters, long now) {
    if (op.predecessors().isEmpty()) {
      return fresh;
    }
    long used = 0;
    for (Predecessor p : op.predecessors()) {
      Object old = p.untilMs() > now ? counters.get(p.key()) : null;
      if (old != null) {
        used = Math.max(used, usedNow(old, p, now));
      }
    }
    if (used > 0) {
      if (fresh instanceof SlidingWindow w) {
        w.add(now, Math.min(used, SlidingWindow.MAX_USED));
      } else {
        TokenBucket b = (TokenBucket) fresh;
        b.take(Math.min(used, op.limit().limit()));
      }
    }
    return fresh;
  }

  private static long usedNow(Object old, Predecessor p, long now) {
    if (old instanceof SlidingWindow w) {
      w.advance(now);
      return w.used();
    }
    TokenBucket b = (TokenBucket) old;
    b.limitTo(p.limit().limit());
    b.advance(now);
    return Math.max(0, b.used());
  }
}
