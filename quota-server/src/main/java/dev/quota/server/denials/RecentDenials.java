package dev.quota.server.denials;

import dev.quota.Decision;
import dev.quota.LimitStatus;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * The denials this process answered recently, for an operator's overview. Denials are folded per
 * minute, subject, policy, limit kind and meter, so a hot subject hammering one limit costs one
 * record a minute, not one per request. At most {@code capacity} records are kept; the oldest go
 * first. Nothing is shared between processes and nothing survives a restart: this is a view of
 * recent traffic, not an audit trail.
 */
public final class RecentDenials {
  /** One folded record: {@code count} denials by one limit for one subject within one minute; {@code at} is the latest. */
  public record Denial(Instant at, String subject, String policy, String kind, String meter, long count) {}

  /** A page of denials, newest first, with the sum of counts over every match (not only the page). */
  public record Page(List<Denial> denials, long total) {}

  private record Key(long minute, String subject, String policy, String kind, String meter) {}

  private static final class Slot {
    Instant at;
    long count;
  }

  private final Clock clock;
  private final int capacity;
  // Insertion order is minute order, because keys carry the minute and time only moves forward.
  private final LinkedHashMap<Key, Slot> slots = new LinkedHashMap<>();

  public RecentDenials(Clock clock, int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
    }
    this.clock = Objects.requireNonNull(clock, "clock");
    this.capacity = capacity;
  }

  /** Notes every enforced limit that refused {@code decision}; admitted decisions are ignored. */
  public void record(Decision decision) {
    if (decision.admitted()) {
      return;
    }
    Instant now = clock.instant();
    long minute = now.truncatedTo(ChronoUnit.MINUTES).getEpochSecond();
    synchronized (slots) {
      for (LimitStatus l : decision.denying()) {
        Key k = new Key(minute, l.subject(), l.selector().toString(), l.kind().wireName(), l.meter());
        Slot s = slots.get(k);
        if (s == null) {
          s = new Slot();
          slots.put(k, s);
        }
        s.at = now;
        s.count++;
      }
      Iterator<Key> oldest = slots.keySet().iterator();
      while (slots.size() > capacity) {
        oldest.next();
        oldest.remove();
      }
    }
  }

  /**
   * Records whose latest denial is at or after {@code from} (null: all) and whose subject
   * {@code visible} admits, newest first, at most {@code limit} of them.
   */
  public Page query(Instant from, Predicate<String> visible, int limit) {
    List<Denial> matches = new ArrayList<>();
    synchronized (slots) {
      for (Map.Entry<Key, Slot> e : slots.entrySet()) {
        Key k = e.getKey();
        Slot s = e.getValue();
        if ((from == null || !s.at.isBefore(from)) && visible.test(k.subject())) {
          matches.add(new Denial(s.at, k.subject(), k.policy(), k.kind(), k.meter(), s.count));
        }
      }
    }
    long total = 0;
    for (Denial d : matches) {
      total += d.count();
    }
    matches.sort((a, b) -> b.at().compareTo(a.at()));
    return new Page(List.copyOf(matches.subList(0, Math.min(limit, matches.size()))), total);
  }
}
