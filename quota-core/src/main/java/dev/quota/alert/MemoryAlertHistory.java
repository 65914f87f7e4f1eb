package dev.quota.alert;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Alert history in the heap. */
public final class MemoryAlertHistory implements AlertHistory {
  private final List<Alert> alerts = new ArrayList<>();

  @java.lang.Override
  public synchronized void append(Alert alert) {
    alerts.add(alert);
  }

  @java.lang.Override
  public synchronized List<Alert> query(
      String subject, String policy, Instant from, Instant to, int offset, int limit) {
    List<Alert> out = new ArrayList<>();
    int skipped = 0;
    for (int i = alerts.size() - 1; i >= 0 && out.size() < limit; i--) {
      Alert a = alerts.get(i);
      boolean match =
          (subject == null || subject.equals(a.subject()))
              && (policy == null || policy.equals(a.policy()))
              && (from == null || !a.at().isBefore(from))
              && (to == null || a.at().isBefore(to));
      if (match && skipped++ >= offset) {
        out.add(a);
      }
    }
    return out;
  }
}
