package dev.quota.admin;

import java.time.Instant;

/**
 * One administrative action: who did what to which target, when, why, and the state before and
 * after (rendered as text by the engine; null where there was none).
 */
public record AuditEntry(
    long id, Instant at, String actor, String action, String target, String before, String after, String reason) {

  /** The same entry with the id a repository assigned. */
  public AuditEntry withId(long newId) {
    return new AuditEntry(newId, at, actor, action, target, before, after, reason);
  }
}
