package dev.quota.store;

import dev.quota.plan.CounterKey;
import dev.quota.plan.Predecessor;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which new rate counters each predecessor has seeded ({@link RateCarry}), kept as long as the
 * predecessor is (its {@link Predecessor#untilMs}) whatever becomes of its counter, as the Redis
 * store keeps them beside it. Callers hold the predecessor's stripe, its subject's, but for
 * {@link #keys}.
 */
final class CarriedMarks {
  private static final class Mark {
    long untilMs;
    final Set<String> into = new HashSet<>(2);
  }

  private final Map<CounterKey, Mark> marks = new ConcurrentHashMap<>();

  /** Marks {@code p} as having seeded the counter named {@code into}: false if it had already. */
  boolean mark(Predecessor p, String into) {
    Mark m = marks.computeIfAbsent(p.key(), k -> new Mark());
    m.untilMs = Math.max(m.untilMs, p.untilMs());
    return m.into.add(into);
  }

  /** Forgets the marks of {@code key} if its predecessor was dropped by {@code nowMs}. */
  void forgetDropped(CounterKey key, long nowMs) {
    Mark m = marks.get(key);
    if (m != null && m.untilMs <= nowMs) {
      marks.remove(key, m);
    }
  }

  /** Forgets every mark of {@code subject}, whose counters a reset removed. */
  void forgetSubject(String subject) {
    marks.keySet().removeIf(k -> k.subject().equals(subject));
  }

  /** A snapshot of the marked predecessors, to walk without holding any lock. */
  List<CounterKey> keys() {
    return marks.isEmpty() ? List.of() : new ArrayList<>(marks.keySet());
  }
}
