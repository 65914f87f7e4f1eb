package dev.quota;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The answer to {@code check}, {@code reserve} or {@code record}: admitted or not, every limit that
 * applied, which of them bind, and when a denied request may retry.
 *
 * @param reservationId set when {@code reserve} admitted; settle it with commit or release
 * @param expiresAt when an unsettled reservation releases itself
 * @param retryAt for a denial, the earliest time a retry can succeed, by the store's clock; null
 *     when no time can be named (the call asks more than a limit ever allows). A full concurrency
 *     cap names when a slot frees by itself, as the reservation holding it expires; a settlement
 *     may free one sooner
 * @param failOpen true when the store was unreachable and fail-open policies admitted anyway
 * @param replayed true when this is the stored answer to an earlier request with the same key
 */
public record Decision(
    boolean admitted,
    String reservationId,
    Instant expiresAt,
    List<LimitStatus> limits,
    Instant retryAt,
    boolean failOpen,
    boolean replayed) {

  public Decision {
    if (!(limits instanceof DecisionLimits)) { // already unmodifiable, and built lazily
      limits = List.copyOf(limits);
    }
  }

  /** The enforced limits that refused this request; empty when admitted. */
  public List<LimitStatus> denying() {
    List<LimitStatus> out = new ArrayList<>();
    for (LimitStatus l : limits) {
      if (l.denies()) {
        out.add(l);
      }
    }
    return out;
  }

  /** Shadow-mode limits that would have refused. */
  public List<LimitStatus> shadowDenials() {
    List<LimitStatus> out = new ArrayList<>();
    for (LimitStatus l : limits) {
      if (!l.allowed() && l.mode() == Mode.SHADOW) {
        out.add(l);
      }
    }
    return out;
  }

  /**
   * The limit that binds: a denying limit with the latest retry time if denied, otherwise the limit
   * with the smallest remaining fraction. Null when no limit applied.
   */
  public LimitStatus binding() {
    LimitStatus best = null;
    if (!admitted) {
      for (LimitStatus l : denying()) {
        if (best == null || later(l.retryAt(), best.retryAt())) {
          best = l;
        }
      }
      return best;
    }
    for (LimitStatus l : limits) {
      if (l.mode() == Mode.ENFORCE && (best == null || fraction(l) < fraction(best))) {
        best = l;
      }
    }
    return best;
  }

  private static boolean later(Instant a, Instant b) {
    if (a == null) {
      return b != null;
    }
    return b != null && a.isAfter(b);
  }

  private static double fraction(LimitStatus l) {
    // Only ranks limits against each other for display; never used to decide.
    return l.limit() == 0 ? 0 : (double) l.remaining() / l.limit();
  }
}
