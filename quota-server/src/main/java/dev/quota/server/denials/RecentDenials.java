package dev.quota.server.denials;

import dev.quota.Decision;
import dev.quota.LimitStatus;
import dev.quota.Selector;
import dev.quota.Subject;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;
import java.util.function.Predicate;

/**
 * The denials this process answered recently, for an operator's overview. Denials are folded per
 * minute, subject, policy, limit kind and meter, so a hot subject hammering one limit costs one
 * record a minute, not one per request. At most {@code capacity} records are kept; the oldest go
 * first. Nothing is shared between processes and nothing survives a restart: this is a view of
 * recent traffic, not an audit trail.
 */
public final class RecentDenials {
  /**
   * One folded record: {@code count} denials by one limit within one minute; {@code at} is the
   * latest. {@code subjects} are those the limit's counter is for, in its selector's order: one
   * subject, or the pair of a pair policy.
   */
  public record Denial(Instant at, List<Subject> subjects, String policy, String kind, String meter, long count) {
    /** The counter's subject as decisions name it: {@code user:alice} or {@code tool:x,user:alice}. */
    public String subject() {
      StringJoiner text = new StringJoiner(",");
      subjects.forEach(s -> text.add(s.toString()));
      return text.toString();
    }
  }

  /** A page of denials, newest first, with the sum of counts over every match (not only the page). */
  public record Page(List<Denial> denials, long total) {}

  /**
   * Subjects are kept as scope and id, not as the text {@code tool:x,user:alice}: ids may contain
   * commas and colons, so that text can be read more than one way.
   */
  private record Key(long minute, List<Subject> subjects, String policy, String kind, String meter) {}

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

  /**
   * Notes every enforced limit that refused {@code decision}, made for a request naming
   * {@code requestSubjects} (scope to id); admitted decisions are ignored.
   */
  public void record(Map<String, String> requestSubjects, Decision decision) {
    if (decision.admitted()) {
      return;
    }
    Instant now = clock.instant();
    long minute = now.truncatedTo(ChronoUnit.MINUTES).getEpochSecond();
    synchronized (slots) {
      for (LimitStatus l : decision.denying()) {
        Key k = new Key(minute, counterSubjects(l.selector(), requestSubjects), l.selector().toString(), l.kind().wireName(), l.meter());
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

  /** The request's subject for each part of the selector the limit came from, in its order. */
  private static List<Subject> counterSubjects(Selector selector, Map<String, String> requestSubjects) {
    List<Subject> out = new ArrayList<>(selector.parts().size());
    for (Selector.Part part : selector.parts()) {
      out.add(new Subject(part.scope(), requestSubjects.get(part.scope())));
    }
    return List.copyOf(out);
  }

  /**
   * Records whose latest denial is at or after {@code from} (null: all) and whose subjects
   * {@code visible} admits, newest first, at most {@code limit} of them.
   */
  public Page query(Instant from, Predicate<List<Subject>> visible, int limit) {
    List<Denial> matches = new ArrayList<>();
    synchronized (slots) {
      for (Map.Entry<Key, Slot> e : slots.entrySet()) {
        Key k = e.getKey();
        Slot s = e.getValue();
        if ((from == null || !s.at.isBefore(from)) && visible.test(k.subjects())) {
          matches.add(new Denial(s.at, k.subjects(), k.policy(), k.kind(), k.meter(), s.count));
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
