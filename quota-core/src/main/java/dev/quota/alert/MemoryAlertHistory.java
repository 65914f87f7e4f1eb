package dev.quota.alert;

import dev.quota.ValidationException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Alert history in the heap. Appending an alert id twice keeps the first, as the database does. */
public final class MemoryAlertHistory implements AlertHistory {
  /** Newest first, as the database orders them: alerts are stored after their decisions, not in their order. */
  private static final Comparator<Alert> NEWEST_FIRST =
      Comparator.comparing(Alert::at).thenComparing(Alert::id).reversed();

  private final List<Alert> alerts = new ArrayList<>();
  private final Set<String> ids = new HashSet<>();

  @java.lang.Override
  public synchronized void append(Alert alert) {
    if (ids.add(alert.id())) {
      alerts.add(alert);
    }
  }

  @java.lang.Override
  public synchronized List<Alert> query(
      String subject, String policy, Instant from, Instant to, int offset, int limit) {
    ValidationException.require(offset >= 0, "offset", "must not be negative");
    requireLimit(limit);
    List<Alert> matches = matches(subject, policy, from, to, null);
    int first = Math.min(offset, matches.size());
    int end = (int) Math.min((long) offset + limit, matches.size());
    return List.copyOf(matches.subList(first, end));
  }

  @java.lang.Override
  public synchronized List<Alert> queryAfter(
      String subject, String policy, Instant from, Instant to, AlertPosition after, int limit) {
    requireLimit(limit);
    List<Alert> matches = matches(subject, policy, from, to, after);
    return List.copyOf(matches.subList(0, Math.min(limit, matches.size())));
  }

  /** The database's bound on a page, so that an engine moved from memory to a database reads alike. */
  private static void requireLimit(int limit) {
    ValidationException.require(limit >= 0 && limit <= 10_000, "limit", "must be between 0 and 10000");
  }

  private List<Alert> matches(String subject, String policy, Instant from, Instant to, AlertPosition after) {
    List<Alert> matches = new ArrayList<>();
    for (Alert a : alerts) {
      boolean match =
          (subject == null || subject.equals(a.subject()))
              && (policy == null || policy.equals(a.policy()))
              && (from == null || !a.at().isBefore(from))
              && (to == null || a.at().isBefore(to))
              && (after == null || after.precedes(a));
      if (match) {
        matches.add(a);
      }
    }
    matches.sort(NEWEST_FIRST);
    return matches;
  }
}
