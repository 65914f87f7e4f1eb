package dev.quota.jdbc;

import dev.quota.Policy;
import java.time.Instant;

/**
 * One stored version of the policy bound to a selector.
 *
 * @param policy the policy as of this version, or null if this version deleted it
 */
public record PolicyVersion(String selector, long version, Policy policy, Instant changedAt, String actor) {
  public boolean deleted() {
    return policy == null;
  }
}
