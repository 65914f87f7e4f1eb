package dev.quota.admin;

import dev.quota.Policy;
import dev.quota.Selector;
import dev.quota.Subject;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Configuration that passes every call to the repository it wraps. A test's repository extends it
 * and overrides only the calls it refuses or holds, calling {@code super} to pass them on.
 */
public abstract class ForwardingConfig implements ConfigRepository {
  private final ConfigRepository delegate;

  protected ForwardingConfig(ConfigRepository delegate) {
    this.delegate = delegate;
  }

  @java.lang.Override
  public long budgetCountersSince(String fingerprint, long nowMs, boolean leavingAnother) {
    return delegate.budgetCountersSince(fingerprint, nowMs, leavingAnother);
  }

  @java.lang.Override
  public long budgetCountersRedated(String fingerprint, long storeNowMs) {
    return delegate.budgetCountersRedated(fingerprint, storeNowMs);
  }

  @java.lang.Override
  public List<Policy> policies() {
    return delegate.policies();
  }

  @java.lang.Override
  public Optional<Policy> policy(Selector selector) {
    return delegate.policy(selector);
  }

  @java.lang.Override
  public Optional<Policy> putPolicy(Policy policy, Function<Optional<Policy>, AuditEntry> audit) {
    return delegate.putPolicy(policy, audit);
  }

  @java.lang.Override
  public boolean createPolicy(Policy policy, AuditEntry audit) {
    return delegate.createPolicy(policy, audit);
  }

  @java.lang.Override
  public Optional<Policy> deletePolicy(Selector selector, Function<Policy, AuditEntry> audit) {
    return delegate.deletePolicy(selector, audit);
  }

  @java.lang.Override
  public List<Override> overrides() {
    return delegate.overrides();
  }

  @java.lang.Override
  public void putOverride(Override override, AuditEntry audit) {
    delegate.putOverride(override, audit);
  }

  @java.lang.Override
  public boolean deleteOverride(String id, AuditEntry audit) {
    return delegate.deleteOverride(id, audit);
  }

  @java.lang.Override
  public void putSubjectReset(Subject subject, Instant at, AuditEntry audit) {
    delegate.putSubjectReset(subject, at, audit);
  }

  @java.lang.Override
  public Optional<Instant> subjectReset(Subject subject) {
    return delegate.subjectReset(subject);
  }

  @java.lang.Override
  public List<AuditEntry> audit(AuditQuery query) {
    return delegate.audit(query);
  }
}
