package dev.quota;

/** Thrown by {@link QuotaGuard} when a call is denied; carries the decision that says why and when to retry. */
public final class QuotaExceededException extends QuotaException {
  private static final long serialVersionUID = 1L;
  private final transient Decision decision;

  public QuotaExceededException(Decision decision) {
    // The decision explains the denial; a stack trace would only cost time on a hot path.
    super("denied by " + describe(decision), null);
    this.decision = decision;
  }

  public Decision decision() {
    return decision;
  }

  private static String describe(Decision d) {
    LimitStatus b = d.binding();
    if (b == null) {
      return "quota";
    }
    // Named as the API's 429 names it: a selector such as team:* says nothing of which team.
    return b.selector() + " " + b.kind().wireName() + (b.meter() == null ? "" : " " + b.meter()) + " for " + b.subject()
        + (d.retryAt() == null ? "" : "; retry at " + d.retryAt());
  }

  @java.lang.Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}
