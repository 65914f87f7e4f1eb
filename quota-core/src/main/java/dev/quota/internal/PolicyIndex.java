package dev.quota.internal;

import dev.quota.Policy;
import dev.quota.Selector;
import dev.quota.admin.Override;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable snapshot of policies and overrides, answering "which policies apply to these
 * subjects?". For each selector shape (one scope, or a pair of scopes) the most specific bound
 * selector wins: an exact identifier over the wildcard, and an active override over the policy of
 * the same selector. A bypass override makes its selector contribute nothing.
 */
public final class PolicyIndex {
  /** A selector's policy and its overrides, newest first; the newest active override wins. */
  private record Binding(Policy policy, List<Override> overrides) {
    Override active(Instant now) {
      for (Override o : overrides) {
        if (o.isActive(now)) {
          return o;
        }
      }
      return null;
    }

    Policy effective(Instant now) {
      Override o = active(now);
      if (o != null) {
        return o.bypass() ? null : o.replacement();
      }
      return policy;
    }

    boolean present(Instant now) {
      return policy != null || active(now) != null;
    }
  }

  private final Map<Selector, Binding> bindings;
  /** Pair shapes in use, e.g. "tool,user", so requests only probe shapes that exist. */
  private final List<String[]> pairShapes;

  private PolicyIndex(Map<Selector, Binding> bindings, List<String[]> pairShapes) {
    this.bindings = bindings;
    this.pairShapes = pairShapes;
  }

  public static PolicyIndex of(List<Policy> policies, List<Override> overrides) {
    Map<Selector, Binding> bindings = new HashMap<>();
    for (Policy p : policies) {
      bindings.put(p.selector(), new Binding(p, new ArrayList<>(0)));
    }
    List<Override> newestFirst = new ArrayList<>(overrides);
    newestFirst.sort(java.util.Comparator.comparing(Override::createdAt, java.util.Comparator.nullsFirst(java.util.Comparator.<Instant>naturalOrder())).reversed());
    for (Override o : newestFirst) {
      bindings.computeIfAbsent(o.selector(), s -> new Binding(null, new ArrayList<>(1))).overrides().add(o);
    }
    List<String[]> shapes = new ArrayList<>();
    List<String> seen = new ArrayList<>();
    for (Selector s : bindings.keySet()) {
      if (s.isPair() && !seen.contains(s.shape())) {
        seen.add(s.shape());
        shapes.add(new String[] {s.parts().get(0).scope(), s.parts().get(1).scope()});
      }
    }
    return new PolicyIndex(Map.copyOf(bindings), List.copyOf(shapes));
  }

  /** The policies that apply to a request with {@code subjects} at {@code now}. */
  public List<Policy> resolve(Map<String, String> subjects, Instant now) {
    List<Policy> out = new ArrayList<>(4);
    for (Map.Entry<String, String> e : subjects.entrySet()) {
      addFirst(out, now, Selector.of(e.getKey(), e.getValue()), Selector.of(e.getKey(), Selector.ANY));
    }
    for (String[] shape : pairShapes) {
      String a = subjects.get(shape[0]);
      String b = subjects.get(shape[1]);
      if (a != null && b != null) {
        addFirst(
            out,
            now,
            Selector.pair(shape[0], a, shape[1], b),
            Selector.pair(shape[0], a, shape[1], Selector.ANY),
            Selector.pair(shape[0], Selector.ANY, shape[1], b),
            Selector.pair(shape[0], Selector.ANY, shape[1], Selector.ANY));
      }
    }
    return out;
  }

  /** Adds the effective policy of the first (most specific) candidate that is bound at all. */
  private void addFirst(List<Policy> out, Instant now, Selector... candidates) {
    for (Selector s : candidates) {
      Binding b = bindings.get(s);
      if (b != null && b.present(now)) {
        Policy p = b.effective(now);
        if (p != null) {
          out.add(p);
        }
        return;
      }
    }
  }
}
