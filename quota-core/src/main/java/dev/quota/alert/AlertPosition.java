package dev.quota.alert;

import java.time.Instant;
import java.util.Objects;

/**
 * Where an alert stands in the history's order, newest first: by the time it fired, then by id,
 * both descending. A page that starts after the last alert of the previous one is the same page
 * whatever was stored meanwhile, where an offset counts the alerts stored since and so repeats or
 * skips as many.
 */
public record AlertPosition(Instant at, String id) {
  public AlertPosition {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(id, "id");
  }

  public static AlertPosition of(Alert a) {
    return new AlertPosition(a.at(), a.id());
  }

  /** True if {@code a} comes after this position, newest first: it fired earlier, or at the same time with a smaller id. */
  public boolean precedes(Alert a) {
    int byTime = a.at().compareTo(at);
    return byTime < 0 || (byTime == 0 && a.id().compareTo(id) < 0);
  }
}
