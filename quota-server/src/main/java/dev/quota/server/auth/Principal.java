package dev.quota.server.auth;

import dev.quota.Subject;
import java.util.Set;

/**
 * The holder of an API key: its name (the actor in the audit trail), role and, for viewers, the
 * subjects it may read.
 */
public record Principal(String name, Role role, Set<Subject> subjects) {
  public Principal {
    subjects = subjects == null ? Set.of() : Set.copyOf(subjects);
  }

  /** Whether this principal may read data of {@code subject}: admins and services all, viewers only theirs. */
  public boolean mayRead(Subject subject) {
    return role != Role.VIEWER || subjects.contains(subject);
  }
}
