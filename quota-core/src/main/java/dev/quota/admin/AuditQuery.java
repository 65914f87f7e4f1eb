package dev.quota.admin;

import java.time.Instant;

/**
 * Filters for the audit trail; null means "any". Newest first (by id, descending), {@code limit}
 * rows after {@code offset}. {@code olderThan}, the id of the last entry of the page before, starts
 * the page right after that entry: unlike an offset, it neither repeats nor skips an entry when
 * newer ones are recorded between pages.
 */
public record AuditQuery(
    String actor, String action, String target, Instant from, Instant to, int offset, int limit, Long olderThan) {
  /** A page by offset, from the newest entry on. */
  public AuditQuery(String actor, String action, String target, Instant from, Instant to, int offset, int limit) {
    this(actor, action, target, from, to, offset, limit, null);
  }

  public static AuditQuery latest(int limit) {
    return new AuditQuery(null, null, null, null, null, 0, limit);
  }

  public boolean matches(AuditEntry e) {
    return (olderThan == null || e.id() < olderThan)
        && (actor == null || actor.equals(e.actor()))
        && (action == null || action.equals(e.action()))
        && (target == null || e.target().contains(target))
        && (from == null || !e.at().isBefore(from))
        && (to == null || e.at().isBefore(to));
  }
}
