package dev.quota.internal;

import dev.quota.Mode;
import dev.quota.Policy;
import dev.quota.Selector;
import dev.quota.admin.ConfigRepository;
import dev.quota.admin.Override;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable snapshot of policies and overrides, answering "which policies apply to these
 * subjects?". For each selector shape (one scope, or a pair of scopes) the most specific bound
 * selector wins: an exact identifier over the wildcard, and an active override over the policy of
 * the same selector. For a pair the order is: both exact, then exact in the first scope of the
 * canonical (sorted) order with the wildcard in the second, then the reverse, then both wildcards;
 * so {@code tool:image_gen,user:*} beats {@code tool:*,user:alice}. This tie-break is documented
 * to users and pinned by a test: changing it silently moves limits between callers. A bypass override lifts enforcement, not counting: the limits that would apply
 * without it (its selector's policy, or if it has none the next candidate's) apply in shadow mode.
 * What it admits is charged to the counters those limits keep, so a budget holds it once the bypass
 * ends, as a budget rebuilt from the ledger (which has every row) does.
 *
 * <p>Lookups walk nested maps keyed by scope and identifier, so resolving a request builds no
 * selector or key strings.
 */
public final class PolicyIndex {
  /**
   * A selector's policy and its overrides, newest first; the newest active override wins. A bypass
   * wins by leaving what lies beneath it (an older active override, or the policy) in shadow mode.
   */
  private record Binding(Policy policy, List<Override> overrides) {
    Override active(Instant now) {
      for (Override o : overrides) {
        if (o.isActive(now)) {
          return o;
        }
      }
      return null;
    }

    /**
     * Adds the effective policy, if any, in shadow mode if {@code bypassed} (a more specific
     * selector is bypassed) or if an active bypass of its own lies above it. Returns {@link #ADDED};
     * else {@link #BYPASSED} if the candidates after this one apply in shadow mode (an active bypass
     * with no limits beneath it, as with an override on a selector without a policy), or {@link
     * #UNBOUND}.
     */
    int addTo(List<Policy> out, Instant now, boolean bypassed, Map<Policy, Policy> shadows) {
      boolean shadow = bypassed;
      for (int i = 0; i < overrides.size(); i++) {
        Override o = overrides.get(i);
        if (o.isActive(now)) {
          if (!o.bypass()) {
            out.add(shadow ? shadows.get(o.replacement()) : o.replacement());
            return ADDED;
          }
          // Beneath a bypass: what would apply had it never been made.
          shadow = true;
        }
      }
      if (policy != null) {
        out.add(shadow ? shadows.get(policy) : policy);
        return ADDED;
      }
      return shadow ? BYPASSED : UNBOUND;
    }
  }

  /** What {@link Binding#addTo} found. */
  private static final int UNBOUND = 0;
  private static final int ADDED = 1;
  private static final int BYPASSED = 2;

  /** Bindings of one scope, or of one pair of scopes: identifier (or "*") to binding. */
  private record Shape(String first, String second, Map<String, Map<String, Binding>> byIds) {
    Binding get(String id1, String id2) {
      Map<String, Binding> inner = byIds.get(id1);
      return inner == null ? null : inner.get(id2);
    }
  }

  private static final String NONE = "";
  private static final Instant LAST_MILLI = Instant.ofEpochMilli(Long.MAX_VALUE);
  private static final Instant FIRST_MILLI = Instant.ofEpochMilli(Long.MIN_VALUE);

  private final List<Shape> singles;
  private final List<Shape> pairs;
  private final long[] overrideExpiries;
  /** Per policy instance (identity, not equality: cheap to look up, and each is ours). */
  private final IdentityHashMap<Policy, PolicyParts> parts;
  /** Per policy and replacement (identity), the same limits in shadow mode: what a bypass leaves. */
  private final IdentityHashMap<Policy, Policy> shadows;
  /** What this index was built from, to tell whether a reload found anything new. */
  private final List<Policy> policies;
  private final List<Override> overrides;
  /** The budget counters the policies and overrides keep. */
  private final BudgetCounterSet budgetCounters;
  /** Per selector, the rate limits its policy no longer has whose use its new ones carry over. */
  private final Map<Selector, List<RetiredRate>> retired;
  /** When each of {@link #retired} is dropped (store time). */
  private final long[] retiredEnds;
  /** Since when (the store's clock) the engines sharing the configuration have kept these budget counters. */
  private final long budgetCountersSinceMs;
  /**
   * How far the store's clock ran ahead of the engine's when this index was built (behind if
   * negative): an override ends at its expiry in the store's time, so that engines whose clocks
   * disagree end it together, and an engine tells the store's time from its own clock and this.
   */
  private final long storeAheadMs;
  /**
   * Whether the engine had ever read the store's clock when this index was built; if not, its
   * take-up was dated by the engine's clock alone, and {@link #redated} dates it by the store's.
   */
  private final boolean storeAheadKnown;

  private PolicyIndex(
      List<Shape> singles, List<Shape> pairs, long[] overrideExpiries, IdentityHashMap<Policy, PolicyParts> parts,
      IdentityHashMap<Policy, Policy> shadows, List<Policy> policies, List<Override> overrides,
      BudgetCounterSet budgetCounters, Map<Selector, List<RetiredRate>> retired, long budgetCountersSinceMs,
      long storeAheadMs, boolean storeAheadKnown) {
    this.singles = singles;
    this.retired = retired;
    this.retiredEnds = RetiredRate.ends(retired);
    this.pairs = pairs;
    this.overrideExpiries = overrideExpiries;
    this.parts = parts;
    this.shadows = shadows;
    this.policies = policies;
    this.overrides = overrides;
    this.budgetCounters = budgetCounters;
    this.budgetCountersSinceMs = budgetCountersSinceMs;
    this.storeAheadMs = storeAheadMs;
    this.storeAheadKnown = storeAheadKnown;
  }

  /**
   * Before when (the store's clock, as a budget counter's last decision is dated) a budget period
   * must have begun for its missing counter to be rebuilt from the ledger rather than started at
   * zero: when the engines sharing the configuration took up the budget calendars this one now
   * follows (a restart keeps that time), or when an override last ended by {@code nowMs} (the
   * engine's clock, told in the store's time as every override's end is), which may hand a selector
   * back to a policy of another calendar. A budget whose
   * zone, reset time or reset day an admin changes mid-period counts the period under a counter of
   * another name, which nothing charged so far; started at zero it would forget the period's spend,
   * and it holds that spend once rebuilt.
   */
  public long seedBudgetsBefore(long nowMs) {
    long since = budgetCountersSinceMs;
    long storeNowMs = plusSaturated(nowMs, storeAheadMs);
    for (long at : overrideExpiries) {
      if (at <= storeNowMs && at > since) {
        since = at;
      }
    }
    return since;
  }

  private static long plusSaturated(long a, long b) {
    long sum = a + b;
    // Overflow only when both have the sign the sum lacks.
    return ((a ^ sum) & (b ^ sum)) < 0 ? (a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : sum;
  }

  /** How far the store's clock ran ahead of the engine's when this index was built. */
  public long storeAheadMs() {
    return storeAheadMs;
  }

  /** Whether {@link #storeAheadMs} was read from the store (now or at an earlier reload), rather than assumed 0. */
  public boolean storeAheadKnown() {
    return storeAheadKnown;
  }

  /**
   * This index, its budget counters taken up at {@code storeNowMs}, just read from the store, and its
   * overrides' ends moved by {@code storeAheadMs}: for an index built before the engine could ever
   * read the store's clock, whose take-up was dated by the engine's. No decision reached the store
   * meanwhile, so the store's present is late enough to catch up every counter the engine's clock
   * may have passed for current, and, unlike that clock, never stamps a counter into the store's
   * future (see {@link ConfigRepository#budgetCountersRedated}).
   */
  public PolicyIndex redated(long storeNowMs, long storeAheadMs, ConfigRepository config) {
    long since = config.budgetCountersRedated(budgetCounters.fingerprint(), storeNowMs);
    return new PolicyIndex(
        singles, pairs, overrideExpiries, parts, shadows, policies, overrides, budgetCounters, retired, since,
        storeAheadMs, true);
  }

  /**
   * True if this index was built from these very policies and overrides (equal, in this order), so
   * that one built from them would resolve every request as this one does.
   */
  public boolean builtFrom(List<Policy> policies, List<Override> overrides) {
    return this.policies.equals(policies) && this.overrides.equals(overrides);
  }

  /** The precomputed parts of a policy this index returned; computed afresh for any other. */
  PolicyParts parts(Policy p) {
    PolicyParts pp = parts.get(p);
    return pp != null ? pp : new PolicyParts(p);
  }

  /**
   * The first instant after {@code nowMs} (the engine's clock) at which resolution can change without
   * a new index: the next override expiry, told by the engine's clock ({@code Long.MAX_VALUE} if none).
   */
  public long nextChangeAfter(long nowMs) {
    long next = Long.MAX_VALUE;
    // A replaced rate limit's end drops it from the plans: past it, it has nothing to carry.
    for (long at : retiredEnds) {
      long atEngine = plusSaturated(at, -storeAheadMs);
      if (atEngine > nowMs && atEngine < next) {
        next = atEngine;
      }
    }
    for (long at : overrideExpiries) {
      long atEngine = at == Long.MAX_VALUE ? at : plusSaturated(at, -storeAheadMs);
      if (atEngine > nowMs && atEngine < next) {
        next = atEngine;
      }
    }
    return next;
  }

  /**
   * {@code now} by the engine's clock told in the store's, by the difference measured at the last
   * reload that read the store's clock (none if none has): what an override's expiry is compared with.
   */
  public Instant storeTime(Instant now) {
    return storeAheadMs == 0 ? now : now.plusMillis(storeAheadMs);
  }

  /** An index whose budget counters have been kept since the beginning of time: nothing more is seeded. */
  public static PolicyIndex of(List<Policy> policies, List<Override> overrides) {
    return build(policies, overrides, BudgetCounterSet.of(policies, overrides), Map.of(), Long.MIN_VALUE, 0, true);
  }

  /**
   * An index of {@code policies} and {@code overrides} replacing {@code previous} (null at start),
   * built when the store's clock read {@code storeNowMs} and the engine's ran {@code storeAheadMs}
   * behind it ({@code storeAheadKnown}: as read from the store, now or before; otherwise assumed 0). Budget counters, and overrides' ends, are dated by the store's clock, since a stale
   * counter is told by the time of its last decision, which the store dates. Its budget counters are
   * kept since {@code previous}'s if it keeps the same ones; otherwise since the time {@code config}
   * records for them ({@link ConfigRepository#budgetCountersSince}), which outlives the process: a
   * restart that finds the set the engines kept before it keeps their time, rather than taking its
   * own start for a change and rebuilding every budget from the ledger once more in each period in
   * progress.
   *
   * <p>A policy that {@code previous} had, replaced here by one whose rate limit of a meter counts
   * under another window or algorithm, leaves the limit it had as a predecessor of each new one of
   * that meter, kept for the old limit's window from {@code storeNowMs} (see {@link RetiredRate}).
   */
  public static PolicyIndex of(
      List<Policy> policies, List<Override> overrides, PolicyIndex previous, long storeNowMs, long storeAheadMs,
      boolean storeAheadKnown, ConfigRepository config) {
    BudgetCounterSet counters = BudgetCounterSet.of(policies, overrides);
    long since = previous != null && previous.budgetCounters.equals(counters)
        ? previous.budgetCountersSinceMs
        : config.budgetCountersSince(counters.fingerprint(), storeNowMs, previous != null);
    Map<Selector, List<RetiredRate>> retired =
        RetiredRate.after(previous == null ? null : previous.policies, previous == null ? Map.of() : previous.retired,
            policies, storeNowMs);
    return build(policies, overrides, counters, retired, since, storeAheadMs, storeAheadKnown);
  }

  private static PolicyIndex build(
      List<Policy> policies, List<Override> overrides, BudgetCounterSet budgetCounters,
      Map<Selector, List<RetiredRate>> retired, long budgetCountersSinceMs, long storeAheadMs, boolean storeAheadKnown) {
    Map<Selector, Binding> bindings = new HashMap<>();
    for (Policy p : policies) {
      bindings.put(p.selector(), new Binding(p, new ArrayList<>(0)));
    }
    List<Override> newestFirst = new ArrayList<>(overrides);
    newestFirst.sort(
        Comparator.comparing(Override::createdAt, Comparator.nullsFirst(Comparator.<Instant>naturalOrder()))
            .reversed());
    for (Override o : newestFirst) {
      bindings.computeIfAbsent(o.selector(), s -> new Binding(null, new ArrayList<>(1))).overrides().add(o);
    }
    Map<String, Shape> shapes = new HashMap<>();
    for (Map.Entry<Selector, Binding> e : bindings.entrySet()) {
      List<Selector.Part> parts = e.getKey().parts();
      boolean pair = parts.size() == 2;
      Shape shape =
          shapes.computeIfAbsent(
              e.getKey().shape(),
              k -> new Shape(parts.get(0).scope(), pair ? parts.get(1).scope() : null, new HashMap<>()));
      shape.byIds()
          .computeIfAbsent(parts.get(0).id(), k -> new HashMap<>())
          .put(pair ? parts.get(1).id() : NONE, e.getValue());
    }
    List<Shape> singles = new ArrayList<>();
    List<Shape> pairs = new ArrayList<>();
    for (Shape s : shapes.values()) {
      (s.second() == null ? singles : pairs).add(s);
    }
    // A stable order keeps decisions (and their listed limits) deterministic.
    Comparator<Shape> order = Comparator.comparing(Shape::first).thenComparing(s -> s.second() == null ? "" : s.second());
    singles.sort(order);
    pairs.sort(order);
    long[] expiries = overrides.stream().mapToLong(o -> epochMilli(o.expiresAt())).toArray();
    IdentityHashMap<Policy, PolicyParts> parts = new IdentityHashMap<>();
    IdentityHashMap<Policy, Policy> shadows = new IdentityHashMap<>();
    for (Policy p : policies) {
      addParts(p, false, retired.getOrDefault(p.selector(), List.of()), parts, shadows);
    }
    for (Override o : overrides) {
      if (o.replacement() != null) {
        addParts(o.replacement(), true, List.of(), parts, shadows);
      }
    }
    return new PolicyIndex(
        List.copyOf(singles), List.copyOf(pairs), expiries, parts, shadows, List.copyOf(policies),
        List.copyOf(overrides), budgetCounters, retired, budgetCountersSinceMs, storeAheadMs, storeAheadKnown);
  }

  /**
   * The parts of {@code p} and of its shadow-mode copy. The copy keeps the selector, limits and
   * currency that name the counters, so a bypassed selector counts in the policy's own counters.
   */
  private static void addParts(
      Policy p, boolean fromOverride, List<RetiredRate> retired, IdentityHashMap<Policy, PolicyParts> parts,
      IdentityHashMap<Policy, Policy> shadows) {
    parts.put(p, new PolicyParts(p, fromOverride, retired));
    Policy shadow = p.mode() == Mode.SHADOW ? p : p.toBuilder().mode(Mode.SHADOW).build();
    shadows.put(p, shadow);
    parts.putIfAbsent(shadow, new PolicyParts(shadow, fromOverride, retired));
  }

  /**
   * {@code at} in epoch milliseconds, clamped to what a long holds (about 292 million years either
   * side of 1970). An override can be stored with an expiry past that (an earlier version accepted
   * one); clamping keeps it in force exactly as stored, since no clock reading ever gets that far,
   * whereas refusing it would stop every policy and override from loading, and skipping it would
   * silently end an override that the admin API still lists as in force.
   */
  static long epochMilli(Instant at) {
    if (at.isAfter(LAST_MILLI)) {
      return Long.MAX_VALUE;
    }
    return at.isBefore(FIRST_MILLI) ? Long.MIN_VALUE : at.toEpochMilli();
  }

  /** The policies that apply to a request with {@code subjects} at {@code engineNow} (the engine's clock). */
  public List<Policy> resolve(Map<String, String> subjects, Instant engineNow) {
    Instant now = storeTime(engineNow);
    List<Policy> out = new ArrayList<>(4);
    for (int i = 0; i < singles.size(); i++) {
      Shape s = singles.get(i);
      String id = subjects.get(s.first());
      if (id != null) {
        addFirst(out, now, shadows, s.get(id, NONE), s.get(Selector.ANY, NONE), null, null);
      }
    }
    for (int i = 0; i < pairs.size(); i++) {
      Shape s = pairs.get(i);
      String a = subjects.get(s.first());
      String b = subjects.get(s.second());
      if (a != null && b != null) {
        addFirst(out, now, shadows, s.get(a, b), s.get(a, Selector.ANY), s.get(Selector.ANY, b), s.get(Selector.ANY, Selector.ANY));
      }
    }
    return out;
  }

  /**
   * The override that decides the limits of {@code scope:id} on its own at {@code engineNow} (the
   * engine's clock), or null if a policy (or nothing) does: the first of its own selector and its
   * scope's wildcard that is bound at all wins, as in {@link #resolve}.
   */
  public Override overrideInForce(String scope, String id, Instant engineNow) {
    Instant now = storeTime(engineNow);
    for (Shape s : singles) {
      if (s.first().equals(scope)) {
        Binding own = s.get(id, NONE);
        return own != null && (own.policy() != null || own.active(now) != null)
            ? own.active(now)
            : activeOrNull(s.get(Selector.ANY, NONE), now);
      }
    }
    return null;
  }

  private static Override activeOrNull(Binding b, Instant now) {
    return b == null ? null : b.active(now);
  }

  /**
   * Adds the effective policy of the first (most specific) candidate that is bound at all. One
   * bound only by a bypass passes on to the next, which then applies in shadow mode: the limits the
   * subject would have without the bypass, counted but never denying.
   */
  private static void addFirst(
      List<Policy> out, Instant now, Map<Policy, Policy> shadows, Binding a, Binding b, Binding c, Binding d) {
    int found = a == null ? UNBOUND : a.addTo(out, now, false, shadows);
    if (found != ADDED && b != null) {
      found = b.addTo(out, now, found == BYPASSED, shadows);
    }
    if (found != ADDED && c != null) {
      found = c.addTo(out, now, found == BYPASSED, shadows);
    }
    if (found != ADDED && d != null) {
      d.addTo(out, now, found == BYPASSED, shadows);
    }
  }
}
