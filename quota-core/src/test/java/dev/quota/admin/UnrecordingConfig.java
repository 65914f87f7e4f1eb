package dev.quota.admin;

/**
 * Configuration in memory that can be told to refuse recording the budget counters an engine takes
 * up ({@link #budgetCountersSince}), as a database does that fails between an admin's write and the
 * engine's reload: changes are stored and audited, the reload that would apply them fails.
 * Everything else goes to the repository it wraps.
 */
public final class UnrecordingConfig extends ForwardingConfig {
  private volatile boolean refusing;

  public UnrecordingConfig() {
    super(new MemoryConfigRepository());
  }

  /** Whether {@link #budgetCountersSince} throws from now on. */
  public void refuseRecording(boolean refuse) {
    this.refusing = refuse;
  }

  @java.lang.Override
  public long budgetCountersSince(String fingerprint, long nowMs, boolean leavingAnother) {
    if (refusing) {
      throw new IllegalStateException("the budget counters cannot be recorded");
    }
    return super.budgetCountersSince(fingerprint, nowMs, leavingAnother);
  }

  @java.lang.Override
  public long budgetCountersRedated(String fingerprint, long storeNowMs) {
    if (refusing) {
      throw new IllegalStateException("the budget counters cannot be recorded");
    }
    return super.budgetCountersRedated(fingerprint, storeNowMs);
  }
}
