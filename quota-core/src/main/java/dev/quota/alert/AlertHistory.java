package dev.quota.alert;

import java.time.Instant;
import java.util.List;

/** Where fired alerts are kept for querying. In memory here; in the database in {@code quota-jdbc}. */
public interface AlertHistory {
  /**
   * Keeps {@code alert}. Called by the {@link AlertDispatcher}'s thread, never by a decision. Throwing
   * means "not stored, try again later", and the alert is retried until it is stored; so appending an
   * id already kept must keep the first and succeed. A {@link dev.quota.ValidationException} means
   * the alert can never be stored, and it is dropped.
   */
  void append(Alert alert);

  /**
   * Newest first; null filters match anything.
   *
   * @throws dev.quota.ValidationException naming {@code offset} if it is negative, or {@code limit}
   *     unless it is between 0 and 10000
   */
  List<Alert> query(String subject, String policy, Instant from, Instant to, int offset, int limit);

  /**
   * Newest first, as {@link #query}, the alerts that come after {@code after} in that order (null:
   * from the newest). Paging by the position of each page's last alert neither repeats nor skips
   * an alert stored between pages, as paging by offset does.
   */
  List<Alert> queryAfter(String subject, String policy, Instant from, Instant to, AlertPosition after, int limit);
}
