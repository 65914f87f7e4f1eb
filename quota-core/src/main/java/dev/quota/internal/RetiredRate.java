package dev.quota.internal;

import dev.quota.Policy;
import dev.quota.RateLimit;
import dev.quota.Selector;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A rate limit a selector's policy had and no longer has (its window or algorithm changed, or the
 * policy was replaced without it), kept until {@code untilMs} (store time): its window from when
 * the engine took the change up. Until then a new limit of the policy on the same meter starts its
 * counter for a subject from what this one counts as used; after it, this one's counter holds
 * nothing of the time before the change, and is dropped.
 *
 * <p>Kept across reloads while in force, so a limit changed twice within a window carries from
 * both earlier counters, whichever the subject used. An engine learns of a change only from the
 * index it had before: one started after the change has none, and its first decision on a subject
 * that has no counter of the new limit yet counts afresh.
 */
record RetiredRate(RateLimit limit, long untilMs) {
  /**
   * The retired limits of each selector once {@code policies} replace {@code before} (null: an
   * engine starting, which knows of no change) at {@code storeNowMs}: those {@code retiredBefore}
   * kept that are still in force, and the limits {@code before} had that the new policy lacks.
   * A limit in use again is no longer retired.
   */
  static Map<Selector, List<RetiredRate>> after(
      List<Policy> before, Map<Selector, List<RetiredRate>> retiredBefore, List<Policy> policies, long storeNowMs) {
    if (before == null) {
      return Map.of();
    }
    Map<Selector, Set<String>> inUse = new HashMap<>();
    for (Policy p : policies) {
      inUse.put(p.selector(), counterNames(p.rateLimits()));
    }
    Map<Selector, List<RetiredRate>> out = new HashMap<>();
    retiredBefore.forEach((selector, rates) -> {
      for (RetiredRate r : rates) {
        if (r.untilMs > storeNowMs) {
          keep(out, inUse, selector, r);
        }
      }
    });
    for (Policy p : before) {
      for (RateLimit r : p.rateLimits()) {
        keep(out, inUse, p.selector(), new RetiredRate(r, plus(storeNowMs, r.window().toMillis())));
      }
    }
    out.replaceAll((selector, rates) -> List.copyOf(rates));
    return Map.copyOf(out);
  }

  /** Adds {@code r} unless its counter is in use or already kept (then the later end stays). */
  private static void keep(
      Map<Selector, List<RetiredRate>> out, Map<Selector, Set<String>> inUse, Selector selector, RetiredRate r) {
    String name = r.limit.counterName();
    if (inUse.getOrDefault(selector, Set.of()).contains(name)) {
      return;
    }
    List<RetiredRate> rates = out.computeIfAbsent(selector, s -> new ArrayList<>(2));
    for (int i = 0; i < rates.size(); i++) {
      if (rates.get(i).limit.counterName().equals(name)) {
        if (rates.get(i).untilMs < r.untilMs) {
          rates.set(i, r);
        }
        return;
      }
    }
    rates.add(r);
  }

  private static Set<String> counterNames(List<RateLimit> rates) {
    Set<String> names = new HashSet<>();
    for (RateLimit r : rates) {
      names.add(r.counterName());
    }
    return names;
  }

  /** Every end in {@code retired}, for the engine to recompile its plans when one passes. */
  static long[] ends(Map<Selector, List<RetiredRate>> retired) {
    return retired.values().stream().flatMap(List::stream).mapToLong(RetiredRate::untilMs).toArray();
  }

  private static long plus(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }
}
