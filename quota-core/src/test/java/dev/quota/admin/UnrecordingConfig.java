package dev.quota.admin;

import dev.quota.Policy;
import dev.quota.Selector;
import dev.quota.Subject;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Configuration in memory that can be told to refuse recording the budget counters an engine takes
 * up ({@link #budgetCountersSince}), as a database does that fails between an admin's write and the
 * engine's reload: changes are stored and audited, the reload that would apply them fails.
 * Everything else goes to the repository it wraps.
 */
public final class UnrecordingConfig implements ConfigRepository {
  private final MemoryConfigRepository config = new MemoryConfigRepository();
  private volatile boolean refusing;

  /** Whether {@link #budgetCountersSince} throws from now on. */
  public void refuseRecording(boolean refuse) {
    this.refusing = refuse;
  }

  @java.lang.Override
  public long budgetCountersSince(String fingerprint, long nowMs, boolean leavingAnother) {
    if (refusing) {
      throw new IllegalStateException("the budget counters cannot be recorded");
    }
    return config.budgetCountersSince(fingerprint, nowMs, leavingAnother);
  }

  @java.lang.Override
  public long budgetCountersRedated(String fingerprint, long storeNowMs) {
    if (refusing) {
      throw new IllegalStateException("the budget counters cannot be recorded");
    }
    return config.budgetCountersRedated(fingerprint, storeNowMs);
  }

  @java.lang.Override
  public List<Policy> policies() {
    return config.policies();
  }

  @java.lang.Override
  public Optional<Policy> policy(Selector selector) {
    return config.policy(selector);
  }

  @java.lang.Override
  public Optional<Policy> putPolicy(Policy policy, Function<Optional<Policy>, AuditEntry> audit) {
    return config.putPolicy(policy, audit);
  }

  @java.lang.Override
  public boolean createPolicy(Policy policy, AuditEntry audit) {
    return config.createPolicy(policy, audit);
  }

  @java.lang.Override
  public Optional<Policy> deletePolicy(Selector selector, Function<Policy, AuditEntry> audit) {
    return config.deletePolicy(selector, audit);
  }

  @java.lang.Override
  public List<Override> overrides() {
    return config.overrides();
  }

  @java.lang.Override
  public void putOverride(Override override, AuditEntry audit) {
    config.putOverride(override, audit);
  }

  @java.lang.Override
  public boolean deleteOverride(String id, AuditEntry audit) {
    return config.deleteOverride(id, audit);
  }

  @java.lang.Override
  public void putSubjectReset(Subject subject, Instant at, AuditEntry audit) {
    config.putSubjectReset(subject, at, audit);
  }

  @java.lang.Override
  public Optional<Instant> subjectReset(Subject subject) {
    return config.subjectReset(subject);
  }

  @java.lang.Override
  public List<AuditEntry> audit(AuditQuery query) {
    return config.audit(query);
  }
}
