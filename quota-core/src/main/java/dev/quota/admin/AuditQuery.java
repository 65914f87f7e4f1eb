package dev.quota.admin;

import java.time.Instant;

/** Filters for the audit trail; null means "any". Newest first, {@code limit} rows after {@code offset}. */
public record AuditQuery(String actor, String action, String target, Instant from, Instant to, int offset, int limit) {
  public static AuditQuery latest(int limit) {
    return new AuditQuery(null, null, null, null, null, 0, limit);
  }

  public boolean matches(AuditEntry e) {
    return (actor == null || actor.equals(e.actor()))
        && (action == null || action.equals(e.action()))
        && (target == null || e.target().contains(target))
        && (from == null || !e.at().isBefore(from))
        && (to == null || e.at().isBefore(to));
  }
}
