package dev.quota.alert;

import java.time.Instant;
import java.util.List;

/** Where fired alerts are kept for querying. In memory here; in the database in {@code quota-jdbc}. */
public interface AlertHistory {
  void append(Alert alert);

  /** Newest first; null filters match anything. */
  List<Alert> query(String subject, String policy, Instant from, Instant to, int offset, int limit);
}
