package dev.quota.admin;

import dev.quota.Policy;
import dev.quota.Selector;
import dev.quota.Subject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/** Configuration in the heap, for embedding and tests. One lock makes each change and its audit atomic. */
public final class MemoryConfigRepository implements ConfigRepository {
  private final Map<Selector, Policy> policies = new TreeMap<>();
  private final Map<String, Override> overrides = new TreeMap<>();
  private final Map<Subject, Instant> resets = new TreeMap<>();
  private final List<AuditEntry> audit = new ArrayList<>();
  /** The budget counter set taken up last, and since when; see {@link #budgetCountersSince}. */
  private String budgetCounters;
  private long budgetCountersSinceMs;

  @java.lang.Override
  public synchronized List<Policy> policies() {
    return List.copyOf(policies.values());
  }

  @java.lang.Override
  public synchronized Optional<Policy> policy(Selector selector) {
    return Optional.ofNullable(policies.get(selector));
  }

  @java.lang.Override
  public synchronized Optional<Policy> putPolicy(Policy policy, Function<Optional<Policy>, AuditEntry> audit) {
    Optional<Policy> replaced = Optional.ofNullable(policies.get(policy.selector()));
    AuditEntry entry = audit.apply(replaced); // before anything changes: an entry that cannot be made stores nothing
    policies.put(policy.selector(), policy);
    append(entry);
    return replaced;
  }

  @java.lang.Override
  public synchronized boolean createPolicy(Policy policy, AuditEntry entry) {
    if (policies.putIfAbsent(policy.selector(), policy) != null) {
      return false;
    }
    append(entry);
    return true;
  }

  @java.lang.Override
  public synchronized Optional<Policy> deletePolicy(Selector selector, Function<Policy, AuditEntry> audit) {
    Policy deleted = policies.get(selector);
    if (deleted == null) {
      return Optional.empty();
    }
    AuditEntry entry = audit.apply(deleted); // before anything changes, as in putPolicy
    policies.remove(selector);
    append(entry);
    return Optional.of(deleted);
  }

  @java.lang.Override
  public synchronized List<Override> overrides() {
    return List.copyOf(overrides.values());
  }

  @java.lang.Override
  public synchronized void putOverride(Override override, AuditEntry entry) {
    overrides.put(override.id(), override);
    append(entry);
  }

  @java.lang.Override
  public synchronized boolean deleteOverride(String id, AuditEntry entry) {
    if (overrides.remove(id) == null) {
      return false;
    }
    append(entry);
    return true;
  }

  @java.lang.Override
  public synchronized void putSubjectReset(Subject subject, Instant at, AuditEntry entry) {
    resets.merge(subject, at, (stored, given) -> given.isAfter(stored) ? given : stored);
    append(entry);
  }

  @java.lang.Override
  public synchronized Optional<Instant> subjectReset(Subject subject) {
    return Optional.ofNullable(resets.get(subject));
  }

  @java.lang.Override
  public synchronized List<AuditEntry> audit(AuditQuery query) {
    List<AuditEntry> out = new ArrayList<>();
    int skipped = 0;
    for (int i = audit.size() - 1; i >= 0 && out.size() < query.limit(); i--) {
      AuditEntry e = audit.get(i);
      if (query.matches(e) && skipped++ >= query.offset()) {
        out.add(e);
      }
    }
    return out;
  }

  @java.lang.Override
  public synchronized long budgetCountersSince(String fingerprint, long nowMs, boolean leavingAnother) {
    if (!fingerprint.equals(budgetCounters)) {
      budgetCounters = fingerprint;
      budgetCountersSinceMs = nowMs;
    } else if (leavingAnother) {
      budgetCountersSinceMs = Math.max(budgetCountersSinceMs, nowMs);
    }
    return budgetCountersSinceMs;
  }

  @java.lang.Override
  public synchronized long budgetCountersRedated(String fingerprint, long storeNowMs) {
    budgetCounters = fingerprint;
    budgetCountersSinceMs = storeNowMs;
    return storeNowMs;
  }

  private void append(AuditEntry entry) {
    audit.add(entry.withId(audit.size() + 1L));
  }
}
