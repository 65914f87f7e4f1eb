package dev.quota.store;

import dev.quota.internal.SlidingWindow;
import dev.quota.internal.TokenBucket;
import dev.quota.plan.CounterKey;
import dev.quota.plan.Predecessor;
import dev.quota.plan.RateOp;
import java.util.Map;

/**
 * Starts a new rate counter from the use of the counters it replaced ({@link RateOp#predecessors}):
 * the most any of them still kept at {@code now} can have counted within the new counter's window,
 * so a limit given another window or algorithm hands out no fresh allowance, and one given a
 * shorter window refuses no more than the calls of that window can explain. From a window, the
 * slices whose latest admission lies within the new window's length before now, each counted whole
 * (at least the calls of that time); from a bucket, which keeps no times of its calls, its capacity
 * less its tokens, at most the new limit. Errs toward denial: a window counts that use at the moment
 * it is made, and keeps it for its whole window; a bucket starts with its capacity less it, never
 * below empty.
 *
 * <p>A predecessor seeds each new counter once: making the counter marks every predecessor still
 * kept ({@link CarriedMarks}), so a new counter dropped at rest (an empty window, a full bucket)
 * while its predecessor is still kept starts afresh, not from the old use again.
 */
final class RateCarry {
  private RateCarry() {}

  /** {@code fresh}, the op's counter just made, charged with its predecessors' use. */
  static Object carry(Object fresh, RateOp op, Map<CounterKey, Object> counters, CarriedMarks marks, long now) {
    if (op.predecessors().isEmpty()) {
      return fresh;
    }
    long windowMs = op.limit().window().toMillis();
    String into = op.key().name();
    long used = 0;
    for (Predecessor p : op.predecessors()) {
      if (p.untilMs() <= now || !marks.mark(p, into)) {
        continue; // dropped, or it seeded this counter before
      }
      Object old = counters.get(p.key());
      if (old != null) {
        used = Math.max(used, usedWithin(old, p, op, windowMs, now));
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

  /** What {@code old} can have counted in the {@code windowMs} up to {@code now}. */
  private static long usedWithin(Object old, Predecessor p, RateOp op, long windowMs, long now) {
    if (old instanceof SlidingWindow w) {
      w.advance(now);
      return w.usedWithin(now, windowMs);
    }
    // read as a bucket of the predecessor's limit, leaving the bucket to the limit that uses it
    TokenBucket b = ((TokenBucket) old).withLimit(p.limit().limit());
    b.advance(now);
    return Math.min(Math.max(0, b.used()), op.limit().limit());
  }
}
