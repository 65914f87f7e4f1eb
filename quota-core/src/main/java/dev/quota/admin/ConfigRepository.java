package dev.quota.admin;

import dev.quota.Policy;
import dev.quota.Selector;
import java.util.List;
import java.util.Optional;

/**
 * Durable configuration: policies, overrides and the audit trail. Every change takes the audit
 * entry that describes it, and a repository stores both in one transaction, so the trail can
 * never miss a change nor describe one that did not happen.
 *
 * <p>{@link MemoryConfigRepository} here; the JDBC one in {@code quota-jdbc}.
 */
public interface ConfigRepository {
  List<Policy> policies();

  Optional<Policy> policy(Selector selector);

  /** Stores {@code policy} (a new version if one exists) and {@code audit}, atomically. */
  void putPolicy(Policy policy, AuditEntry audit);

  /** Deletes the policy and records {@code audit}, atomically; false if there was none. */
  boolean deletePolicy(Selector selector, AuditEntry audit);

  List<Override> overrides();

  void putOverride(Override override, AuditEntry audit);

  boolean deleteOverride(String id, AuditEntry audit);

  /** Records an action that changed no configuration, e.g. a counter reset. */
  void appendAudit(AuditEntry audit);

  List<AuditEntry> audit(AuditQuery query);
}
