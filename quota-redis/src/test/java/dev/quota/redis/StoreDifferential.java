package dev.quota.redis;

import dev.quota.Algorithm;
import dev.quota.RateLimit;
import dev.quota.Subject;
import dev.quota.internal.SlidingWindow;
import dev.quota.internal.Thresholds;
import dev.quota.plan.BudgetOp;
import dev.quota.plan.ConcurrencyOp;
import dev.quota.plan.CounterKey;
import dev.quota.plan.CounterKeys;
import dev.quota.plan.CounterOp;
import dev.quota.plan.OpResult;
import dev.quota.plan.Plan;
import dev.quota.plan.PlanResult;
import dev.quota.plan.Predecessor;
import dev.quota.plan.RateOp;
import dev.quota.plan.SettleResult;
import dev.quota.plan.Settlement;
import dev.quota.store.MemoryStore;
import dev.quota.store.PreparedOps;
import dev.quota.store.conformance.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Random sequences of {@code Store} calls made to a {@link RedisStore} and to a {@link MemoryStore}
 * at the same store times, every answer compared: the whole {@link PlanResult} of every decision
 * (status, admission, each op's allowed, used, reset, retry and fired bits, expiry, seed indices,
 * reservation id), every {@link SettleResult}, and after every step the counters themselves, read
 * with a check of every counter in play.
 *
 * <p>Time: each call goes to Redis first, whose clock is Redis time plus a test offset; the
 * in-memory store's clock is then set to the time Redis answered with, so both decide at the same
 * millisecond. The test moves time by moving the offset: small steps, jumps to the times the
 * stores named (resets, retries, expiries, slice and budget-period boundaries, give or take a
 * millisecond), jumps over whole windows, and small steps back.
 *
 * <p>Epochs: a budget counter missing in a period that began before the store's epoch must be
 * seeded. Redis starts its epoch marker (on Redis Cluster, one per slot) when it first finds such a
 * counter missing, so the run starts one before any sequence, and each sequence starts those of its
 * subjects and then makes its in-memory store. A sequence's budget periods begin either before the
 * run's first marker (a missing counter needs a seed on both stores, which the sequence then seeds
 * on both, as the engine would) or after the sequence's own (none does).
 *
 * <p>In some sequences a rate limit replaced others of its meter (a policy gave it another window
 * or algorithm), each kept until a time of the sequence: every op on its counter names them as its
 * predecessors, as an engine that took the change up does, so a counter made while one is kept
 * starts from its use (see {@code RateOp.predecessors}).
 *
 * <p>Beside the {@code Store} calls, a sequence consumes prepared requests as the engine does:
 * through {@link PreparedOps} on the in-memory store, by a reservation committed at once on Redis.
 *
 * <p>A few differences are known and kept out of the sequences rather than compared: they come
 * from time stepping back, from times kept in milliseconds, and from Redis keys expiring in Redis's
 * own time, where the two stores' designs differ:
 *
 * <ul>
 *   <li>Redis tells the reservations a reset forgave by time (a mark with the reset's time, in
 *       milliseconds), the in-memory store by counting resets: a reservation made in the reset's
 *       millisecond counts as made before it on Redis, and after a step back of time one made
 *       before the reset may count as made after it. So a reset comes at a time later than any
 *       seen before, time moves on a millisecond after it, and it never steps back to it;
 *   <li>the in-memory store releases expired reservations at every call, Redis only on calls that
 *       touch holds or slots, so time never steps back over an expiry already passed;
 *   <li>a token bucket read but not charged moves on in memory but is not written on Redis, which
 *       only shows when time steps back: after a step back, no token bucket is used until time has
 *       passed the latest time before it;
 *   <li>Redis keys expire in Redis's own time, which the test offset does not move: a settled or
 *       expired reservation is remembered for an hour in memory and a day on Redis, a budget
 *       counter is kept an hour past its period on both, so a sequence spans well under an hour of
 *       store time; and a sweep of the in-memory store drops a token bucket once it is full,
 *       where Redis keeps it a minute longer, which shows if its limit then changes: a sequence
 *       that sweeps changes no bucket's limit;
 *   <li>on Redis Cluster, a key is looked up (in its own slot) before the plan's budget periods
 *       are checked (in the counters' slots), so a repeated or conflicting key whose period has
 *       ended is answered as such rather than as a period mismatch; the engine, told of the
 *       mismatch, asks again for the new period and gets the same answer;
 *   <li>the answer to a replayed idempotency key carries the first call's time, so the time Redis
 *       replayed it at is known only to lie between the previous answer and a clock read after it;
 *       a replay whose plan's budget period began in between is not compared;
 *   <li>on Redis Cluster a settlement is claimed in one call, whose time it answers with, and its
 *       part settled in another, later, which first releases the reservations of its slot that
 *       have expired by then: if one expired between the two (the likelier the slower the calls),
 *       the budgets the part reports have its holds back, which the in-memory store, settling at
 *       the claim's time, still counts; such a settlement's budgets are not compared (the counters
 *       are, by the check after it).
 * </ul>
 *
 * <p>A failure names the sequence's seed and prints every step of it. Replay one sequence with
 * {@code -Dquota.differential.seed=N -Dquota.differential.sequences=1}; run longer with a larger
 * {@code quota.differential.sequences} (default 300) or {@code quota.differential.steps} (default
 * 60; Redis Cluster runs a fifth as many sequences). Times come from a clock that also runs on its
 * own, and a sequence's later steps depend on the times its answers gave (which times it jumps to,
 * whether it may step back, which reservations are held, whether a token bucket may be used), so a
 * replay follows the failed run only as far as its times agree: often not to the failing step when
 * the run was slowed down (by a loaded machine, say). A failure's history shows the whole sequence,
 * to rebuild as a test of its own.
 */
final class StoreDifferential {
  static final int SEQUENCES = Integer.getInteger("quota.differential.sequences", 300);
  static final int STEPS = Integer.getInteger("quota.differential.steps", 60);
  static final long FIRST_SEED = Long.getLong("quota.differential.seed", 1);

  private static final long MINUTE_MS = 60_000;
  private static final long DAY_MS = 86_400_000;
  /** A sequence stops jumping far once it spans this much store time (see the class comment). */
  private static final long SPAN_MS = 25 * MINUTE_MS;

  private final RedisStore redis;
  /**
   * Whether the store is on Redis Cluster. There a plan over several slots is applied slot by slot,
   * and a settlement claims the reservation in one call and settles its part in another, each at
   * its own node's time, which one in-memory call cannot match to the millisecond: so a plan's ops
   * are one subject's (one slot), and a commit charges no meters (which the part's call would
   * charge to rate limits at its own time). Decisions are not batched on a cluster.
   */
  private final boolean cluster;
  private final ScriptCodec codec;
  private final AtomicLong offsetMs;
  private final long epochMs;
  /** How often each kind of answer came up, so a run can show it covered them. */
  final Map<String, Integer> outcomes = new TreeMap<>();

  /**
   * Runs {@code sequences} sequences on a store of its own (prefix {@code diff:}) on the Redis at
   * {@code uri}, prints under {@code label} how often each kind of answer came up, and, unless one
   * sequence is replayed, fails if a kind never did.
   */
  static void check(String uri, boolean cluster, int sequences, String label) {
    AtomicLong offsetMs = new AtomicLong();
    // Generous timeouts: on a loaded machine the private server's first handshake has taken over
    // the default second, and a run should fail on an answer, never on a slow start.
    try (RedisStore store = RedisStore.builder().uri(uri).prefix("diff:").timeout(Duration.ofSeconds(10))
        .connectTimeout(Duration.ofSeconds(10)).testClockOffset(offsetMs::get).build()) {
      StoreDifferential run = new StoreDifferential(store, offsetMs, cluster);
      run.run(FIRST_SEED, sequences, STEPS);
      System.out.println(label + ": " + run.outcomes);
      if (SEQUENCES >= 100) { // not when one sequence is replayed
        run.assertCovered();
      }
    }
  }

  StoreDifferential(RedisStore redis, AtomicLong offsetMs, boolean cluster) {
    this.redis = redis;
    this.cluster = cluster;
    this.codec = new ScriptCodec(redis.keys());
    this.offsetMs = offsetMs;
    this.epochMs = startEpoch();
  }

  /** Starts Redis's first epoch marker (see the class comment) and returns its time. */
  private long startEpoch() {
    long now = redis.nowMs();
    String subject = CounterKeys.subjectOf(Subject.of("user", "epoch"));
    BudgetOp b = new BudgetOp(CounterKeys.budget(subject, "USD", "epoch", now - 1_000), true, "b", 100, 1,
        now - 1_000, now + 600_000, new long[0]);
    PlanResult r = redis.apply(new Plan(Plan.Kind.RECORD, List.of(b), null, 0, null, "epoch", null, true));
    if (r.status() != PlanResult.Status.NEEDS_SEED) {
      throw new AssertionError("the epoch marker was not started: " + r);
    }
    offsetMs.addAndGet(MINUTE_MS); // a run starts well after it
    return r.nowMs();
  }

  /** Runs the sequences of seeds {@code first} to {@code first + count - 1}. */
  void run(long first, int count, int steps) {
    for (long seed = first; seed < first + count; seed++) {
      new Sequence(seed, steps).run();
    }
  }

  /**
   * Fails unless the sequences so far met every kind of answer they are made to provoke, so that a
   * change to them cannot leave the comparisons with little to compare; meant for runs of at least
   * a few dozen sequences.
   */
  void assertCovered() {
    List<String> expected = new ArrayList<>(List.of(
        "RESERVE APPLIED admitted", "RESERVE APPLIED denied", "RESERVE REPLAYED", "RESERVE CONFLICT",
        "RESERVE NEEDS_SEED", "RESERVE PERIOD_MISMATCH", "RECORD APPLIED admitted", "RECORD REPLAYED",
        "CHECK APPLIED denied", "settle SETTLED", "settle REPEATED", "settle CONFLICT", "settle EXPIRED",
        "settle UNKNOWN", "thresholds fired", "reset", "seed", "acquire admitted", "acquire denied",
        "for the short path (windows and budgets, all with room)", "with predecessors kept"));
    expected.removeIf(outcomes::containsKey);
    if (!expected.isEmpty()) {
      throw new AssertionError("the sequences never met " + expected + "; they met " + outcomes);
    }
  }

  private void count(String outcome) {
    outcomes.merge(outcome, 1, Integer::sum);
  }

  /**
   * A budget limit of a sequence: its periods are a grid of {@code lengthMs} from {@code gridMs},
   * or (length 0) one period that began before the run's first epoch marker.
   */
  private record BudgetDef(
      String currency, String period, long lengthMs, long gridMs, long limit, long[] thresholds) {}

  /** A rate limit replaced by another of its meter, kept as its predecessor until {@code untilMs}. */
  private record Replaced(RateLimit limit, long untilMs) {}

  /** A reservation one of the stores admitted. */
  private static final class Held {
    final String id;
    final Plan plan;
    final long expiresAtMs;
    /** The settlement that settled it, or null. */
    Settlement settlement;

    Held(String id, Plan plan, long expiresAtMs) {
      this.id = id;
      this.plan = plan;
      this.expiresAtMs = expiresAtMs;
    }
  }

  private final class Sequence {
    private final long seed;
    private final int steps;
    private final Random rnd;
    private final MutableClock clock;
    private final MemoryStore memory;
    private final List<String> history = new ArrayList<>();
    private final String tag;
    /** Three single subjects, then a pair of the first with a tool. */
    private final List<String> subjects = new ArrayList<>();
    private final List<RateLimit> rates = new ArrayList<>();
    /** Per rate limit of {@link #rates}, the limits of it it replaced, each kept until a time. */
    private final Map<RateLimit, List<Replaced>> replaced = new HashMap<>();
    private final List<BudgetDef> budgets = new ArrayList<>();
    private final int slots;
    /** Whether the in-memory store is swept now and then; if so, no bucket's limit changes. */
    private final boolean sweeps;
    private final long startMs;
    private final List<Held> held = new ArrayList<>();
    private final List<String> unknownIds = new ArrayList<>();
    /** Each idempotency key with the plan the stores remember under it. */
    private final Map<String, Plan> keyed = new HashMap<>();
    /** Times the stores named, to jump to. */
    private final TreeSet<Long> marks = new TreeSet<>();
    /** The store time the next call is expected at, give or take the time calls take. */
    private long expectedMs;
    /** The latest store time seen. */
    private long highestMs;
    /** Time never steps back to this or earlier (a reset's). */
    private long floorMs;
    private boolean resetUnseen;
    /** While the store time is at or before this, no op uses a token bucket (see the class comment). */
    private long bucketsBackAfterMs = Long.MIN_VALUE;
    private int step;
    private int ids;
    private int fingerprints;
    /** Requests prepared on the in-memory store, as the engine's prepared requests are. */
    private final List<Prepared> prepared = new ArrayList<>();

    Sequence(long seed, int steps) {
      this.seed = seed;
      this.steps = steps;
      this.rnd = new Random(seed);
      this.tag = "s" + seed;
      subjects.add(CounterKeys.subjectOf(Subject.of("user", "a-" + tag)));
      subjects.add(CounterKeys.subjectOf(Subject.of("user", "b:" + tag))); // escaped in keys
      subjects.add(CounterKeys.subjectOf(Subject.of("team", "t-" + tag)));
      subjects.add(subjects.get(0) + "," + CounterKeys.subjectOf(Subject.of("tool", "x")));
      // The in-memory store's epoch: after Redis's for every subject (on Redis Cluster each slot
      // has one of its own), before every period but the one that began before the run.
      this.clock = new MutableClock(Instant.ofEpochMilli(startEpochs()));
      this.memory = new MemoryStore(clock);
      offsetMs.addAndGet(2 * MINUTE_MS); // every period of the sequence begins after it
      this.startMs = redis.nowMs();
      moveMemoryTo(startMs);
      this.expectedMs = startMs;
      this.highestMs = startMs;
      this.floorMs = startMs;
      long[] windows = {1_000, 1_500, 2_000, 3_000, 4_999, 7_001};
      List<RateLimit> candidates = new ArrayList<>(List.of(
          new RateLimit(RateLimit.REQUESTS, 1 + rnd.nextInt(6),
              Duration.ofMillis(windows[rnd.nextInt(windows.length)]), Algorithm.SLIDING_WINDOW),
          new RateLimit("tokens", 10 + rnd.nextInt(50), Duration.ofMillis(2_000 + rnd.nextInt(8_000)),
              Algorithm.SLIDING_WINDOW),
          // room for many slices, which leave one by one
          new RateLimit("calls", 20 + rnd.nextInt(100), Duration.ofMillis(1_000 + rnd.nextInt(2_000)),
              Algorithm.SLIDING_WINDOW),
          new RateLimit(RateLimit.REQUESTS, 1 + rnd.nextInt(5),
              Duration.ofMillis(windows[rnd.nextInt(windows.length)]), Algorithm.TOKEN_BUCKET),
          new RateLimit("tokens", 20 + rnd.nextInt(40), Duration.ofMillis(1_000 + rnd.nextInt(5_000)),
              Algorithm.TOKEN_BUCKET)));
      Collections.shuffle(candidates, rnd);
      rates.addAll(candidates.subList(0, 1 + rnd.nextInt(candidates.size())));
      int budgetCount = rnd.nextInt(3);
      for (int i = 0; i < budgetCount; i++) {
        boolean beforeEpoch = rnd.nextInt(3) == 0;
        long[] lengths = {3_000, 7_000, 20_000, 60_000};
        long length = beforeEpoch ? 0 : lengths[rnd.nextInt(lengths.length)];
        long limit = 50 + rnd.nextInt(500);
        long[] levels = {limit / 2, (limit * 8 + 9) / 10, (limit * 9 + 9) / 10};
        List<Long> thresholds = new ArrayList<>();
        for (long level : levels) {
          if (rnd.nextBoolean()) {
            thresholds.add(level);
          }
        }
        budgets.add(new BudgetDef(i == 0 ? "USD" : "EUR", beforeEpoch ? "month" : "p" + length, length,
            startMs - rnd.nextInt((int) Math.max(length, 1)), limit,
            thresholds.stream().mapToLong(Long::longValue).toArray()));
      }
      if (rnd.nextBoolean()) {
        for (RateLimit l : rates) {
          for (RateLimit old : rates) {
            if (old != l && old.meter().equals(l.meter()) && rnd.nextBoolean()) {
              long untilMs = startMs + (rnd.nextBoolean() ? 2_000 + rnd.nextInt(30_000) : 30 * MINUTE_MS);
              replaced.computeIfAbsent(l, k -> new ArrayList<>()).add(new Replaced(old, untilMs));
              marks.add(untilMs);
            }
          }
        }
      }
      slots = rnd.nextInt(3) == 0 ? 0 : 1 + rnd.nextInt(3);
      sweeps = rnd.nextBoolean();
      history.add("sequence " + seed + ": rates " + rates + ", budgets "
          + budgets.stream().map(b -> b.currency + "/" + b.period + " limit " + b.limit + " levels "
              + java.util.Arrays.toString(b.thresholds)).toList()
          + ", slots " + slots + (sweeps ? ", swept" : "") + ", subjects " + subjects
          + (replaced.isEmpty() ? "" : ", replaced " + replaced));
    }

    /**
     * Starts the epoch marker each subject's counters are checked against, unless it is there, and
     * returns the time by which all are.
     */
    private long startEpochs() {
      long now = 0;
      for (String subject : subjects) {
        long start = redis.nowMs() - 1_000;
        BudgetOp b = new BudgetOp(CounterKeys.budget(subject, "USD", "epoch", start), true, "b", 100, 1, start,
            start + MINUTE_MS, new long[0]);
        Plan check = new Plan(Plan.Kind.CHECK, List.of(b), null, 0, null, "epoch", null, true);
        now = Math.max(now, redis.apply(check).nowMs());
      }
      return now;
    }

    void run() {
      for (step = 0; step < steps; step++) {
        moveTime();
        int action = rnd.nextInt(100);
        if (action < 28) {
          reserve();
        } else if (action < 38) {
          decide(plan(Plan.Kind.CHECK, null), "check");
        } else if (action < 50) {
          record();
        } else if (action < 72) {
          settle();
        } else if (action < 80) {
          repeatKey();
        } else if (action < 84) {
          reset();
        } else if (action < 87) {
          seedOne();
        } else if (action < 89 && sweeps) {
          memory.sweep(); // nothing observable changes
          history.add(step + ": sweep of the in-memory store");
        } else if (action < 94 && !cluster) {
          batch();
        } else if (action < 97) {
          acquire();
        } else {
          reserve();
        }
        probe();
      }
      count("sequences");
    }

    // ---- time ---------------------------------------------------------------------------------

    private void moveMemoryTo(long nowMs) {
      clock.advance(Duration.ofMillis(nowMs - clock.millis()));
    }

    /** A Redis answer came at {@code nowMs}: the in-memory store decides at that time too. */
    private void seen(long nowMs) {
      moveMemoryTo(nowMs);
      highestMs = Math.max(highestMs, nowMs);
      expectedMs = nowMs;
      if (resetUnseen) {
        floorMs = Math.max(floorMs, nowMs);
        resetUnseen = false;
      }
    }

    private void moveTime() {
      long now = clock.millis();
      long delta;
      int kind = rnd.nextInt(100);
      boolean mayJump = now - startMs < SPAN_MS;
      if (kind < 40) {
        delta = rnd.nextInt(12);
      } else if (kind < 60) {
        delta = 12 + rnd.nextInt(800);
      } else if (kind < 82) {
        Long mark = mark(now);
        delta = mark == null || !mayJump && mark - now > 2_000 ? rnd.nextInt(50) : mark + rnd.nextInt(5) - 2 - now;
      } else if (kind < 90 && mayJump) {
        long window = rates.get(rnd.nextInt(rates.size())).window().toMillis();
        delta = window / 2 + (long) (rnd.nextDouble() * 2.5 * window);
      } else {
        long back = 1 + rnd.nextInt(40);
        delta = mayStepBackTo(now - back) ? -back : rnd.nextInt(12);
      }
      if (delta < 0) {
        bucketsBackAfterMs = highestMs + 2;
        history.add("  time steps back " + -delta + " ms");
      } else if (delta > 1_000) {
        history.add("  time jumps " + delta + " ms");
      }
      offsetMs.addAndGet(delta);
      expectedMs = now + delta;
    }

    /** A time the stores named or a boundary to come, picked at random; null if none. */
    private Long mark(long now) {
      List<Long> candidates = new ArrayList<>();
      for (Long m : marks.subSet(now, false, now + 2 * MINUTE_MS, true)) {
        candidates.add(m);
        if (candidates.size() == 24) {
          break;
        }
      }
      for (RateLimit l : rates) {
        if (l.algorithm() == Algorithm.SLIDING_WINDOW) {
          long sliceUs = SlidingWindow.sliceUs(l.window().toMillis());
          long nextUs = (Math.floorDiv(now * 1000, sliceUs) + 1) * sliceUs;
          candidates.add(Math.floorDiv(nextUs + 999, 1000));
        }
      }
      for (BudgetDef b : budgets) {
        if (b.lengthMs > 0) {
          candidates.add(period(b, now)[1]);
        }
      }
      return candidates.isEmpty() ? null : candidates.get(rnd.nextInt(candidates.size()));
    }

    /** See the class comment: a step back must not cross a reset or an expiry already passed. */
    private boolean mayStepBackTo(long target) {
      if (target <= floorMs + 2 || resetUnseen) {
        return false;
      }
      for (Held h : held) {
        if (h.expiresAtMs >= target - 2 && h.expiresAtMs <= highestMs + 2) {
          return false;
        }
      }
      // nor a predecessor's end: what a store dropped past it (the in-memory store's marks) stays dropped
      for (List<Replaced> rs : replaced.values()) {
        for (Replaced r : rs) {
          if (r.untilMs >= target - 2 && r.untilMs <= highestMs + 2) {
            return false;
          }
        }
      }
      return true;
    }

    /**
     * An op on {@code l}'s counter of {@code subject}, as the policy states the limit
     * ({@code stated}), naming the limits {@code l} replaced as its predecessors.
     */
    private RateOp rateOp(String subject, RateLimit l, boolean enforced, String label, RateLimit stated, long amount) {
      List<Predecessor> from = new ArrayList<>();
      for (Replaced r : replaced.getOrDefault(l, List.of())) {
        from.add(new Predecessor(CounterKeys.rate(subject, r.limit), r.limit, r.untilMs));
      }
      return new RateOp(CounterKeys.rate(subject, l), enforced, label, stated, amount, from);
    }

    /** Whether an op on {@code l} reads a token bucket: its own, or a predecessor's it may carry from. */
    private boolean readsBucket(RateLimit l) {
      return l.algorithm() == Algorithm.TOKEN_BUCKET || replaced.getOrDefault(l, List.of()).stream()
          .anyMatch(r -> r.limit.algorithm() == Algorithm.TOKEN_BUCKET);
    }

    private boolean bucketsAllowed() {
      return clock.millis() > bucketsBackAfterMs;
    }

    // ---- plans --------------------------------------------------------------------------------

    private long[] period(BudgetDef b, long t) {
      if (b.lengthMs == 0) {
        return new long[] {epochMs - 3_600_000, startMs + DAY_MS};
      }
      long start = b.gridMs + Math.floorDiv(t - b.gridMs, b.lengthMs) * b.lengthMs;
      return new long[] {start, start + b.lengthMs};
    }

    private BudgetOp budgetOp(BudgetDef b, String subject, boolean enforced, String label, long t, long amount,
        long limit) {
      long[] p = period(b, t);
      if (b.lengthMs > 0 && rnd.nextInt(40) == 0) { // an engine with a skewed clock names another period
        long shift = rnd.nextBoolean() ? b.lengthMs : -b.lengthMs;
        p = new long[] {p[0] + shift, p[1] + shift};
      }
      return new BudgetOp(CounterKeys.budget(subject, b.currency, b.period, p[0]), enforced, label, limit, amount,
          p[0], p[1], b.thresholds);
    }

    /** A limit as the policy states it, now and then changed (a policy or an override changed it). */
    private RateLimit vary(RateLimit l) {
      if (rnd.nextInt(12) != 0 || sweeps && l.algorithm() == Algorithm.TOKEN_BUCKET) {
        return l;
      }
      long limit = Math.max(1, l.limit() + rnd.nextInt(5) - 2);
      return new RateLimit(l.meter(), limit, l.window(), l.algorithm());
    }

    private Plan plan(Plan.Kind kind, String key) {
      long t = expectedMs + 1;
      List<CounterOp> ops = new ArrayList<>();
      long cost = rnd.nextInt(5) == 0 ? 0 : 1 + rnd.nextInt(200);
      long tokens = rnd.nextInt(5) == 0 ? 0 : 1 + rnd.nextInt(25);
      boolean uniform = rnd.nextInt(10) != 0;
      List<Integer> order = new ArrayList<>(List.of(0, 1, 2, 3));
      Collections.shuffle(order, rnd);
      int subjectCount = cluster ? 1 : 1 + rnd.nextInt(3);
      for (int si : order.subList(0, subjectCount)) {
        String subject = subjects.get(si);
        boolean enforced = rnd.nextInt(8) != 0;
        String label = "p" + si;
        for (RateLimit l : rates) {
          if (rnd.nextInt(5) < 3 && (!readsBucket(l) || bucketsAllowed())) {
            long amount = l.meter().equals("tokens") ? tokens : l.meter().equals("calls") ? 1 + rnd.nextInt(3)
                : rnd.nextInt(12) == 0 ? 0 : 1;
            ops.add(rateOp(subject, l, enforced, label, vary(l), amount));
          }
        }
        for (BudgetDef b : budgets) {
          if (rnd.nextBoolean()) {
            long limit = rnd.nextInt(15) == 0 ? Math.max(1, b.limit + rnd.nextInt(101) - 50) : b.limit;
            ops.add(budgetOp(b, subject, enforced, label, t, uniform ? cost : rnd.nextInt(200), limit));
          }
        }
        if (slots > 0 && kind != Plan.Kind.RECORD && rnd.nextInt(5) < 2) {
          int max = rnd.nextInt(12) == 0 ? rnd.nextInt(slots + 2) : slots;
          ops.add(new ConcurrencyOp(CounterKeys.concurrency(subject), enforced, label, max));
        }
      }
      if (ops.isEmpty() && rnd.nextInt(4) != 0) { // else a request no limit applies to
        String subject = subjects.get(order.get(0));
        RateLimit l = rates.get(0);
        if (!readsBucket(l) || bucketsAllowed()) {
          ops.add(rateOp(subject, l, true, "p", l, 1));
        } else {
          RateLimit w = RateLimit.perWindow(3, Duration.ofSeconds(2));
          ops.add(new RateOp(CounterKeys.rate(subject, w), true, "p", w, 1));
        }
      }
      if (!ops.isEmpty() && rnd.nextInt(30) == 0) {
        ops.add(ops.get(rnd.nextInt(ops.size()))); // one counter twice
      }
      if (rnd.nextInt(6) == 0) {
        Collections.shuffle(ops, rnd);
      }
      String id = kind == Plan.Kind.RESERVE ? newId() : null;
      long ttl = kind != Plan.Kind.RESERVE ? 0
          : rnd.nextInt(3) == 0 ? 1 + rnd.nextInt(1_500) : 2_000 + rnd.nextInt(58_000);
      String fingerprint = key == null ? kind.name() : kind + "|" + ++fingerprints;
      String payload = kind == Plan.Kind.RESERVE && rnd.nextInt(3) != 0
          ? "{\"n\":" + step + ",\"\u00e9\":1}" : null;
      return new Plan(kind, ops, id, ttl, key, fingerprint, payload, rnd.nextInt(8) != 0);
    }

    /** A reservation id: mostly the engine's compact form (see {@code Ids}), sometimes any text. */
    private String newId() {
      if (rnd.nextInt(4) == 0) {
        return tag + "-r" + ++ids;
      }
      String alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
      long hi = rnd.nextLong();
      long lo = rnd.nextLong();
      StringBuilder sb = new StringBuilder(26);
      for (int i = 0; i < 12; i++) {
        sb.append(alphabet.charAt((int) (hi >>> (59 - 5 * i)) & 31));
      }
      sb.append(alphabet.charAt((int) (((hi & 15) << 1) | (lo >>> 63))));
      for (int i = 0; i < 13; i++) {
        sb.append(alphabet.charAt((int) (lo >>> (58 - 5 * i)) & 31));
      }
      return sb.toString();
    }

    private String maybeKey() {
      return rnd.nextInt(5) == 0 ? tag + "-k" + ++ids : null;
    }

    // ---- actions ------------------------------------------------------------------------------

    private void reserve() {
      Plan plan = plan(Plan.Kind.RESERVE, maybeKey());
      decide(plan, "reserve " + plan.reservationId() + " ttl " + plan.ttlMs());
    }

    private void record() {
      decide(plan(Plan.Kind.RECORD, maybeKey()), "record");
    }

    /** A keyed request again: the same content (a repeat) or other content (a conflict). */
    private void repeatKey() {
      if (keyed.isEmpty()) {
        reserve();
        return;
      }
      String key = anyKey();
      decide(again(key), "again under key " + key);
    }

    private String anyKey() {
      List<String> keys = new ArrayList<>(keyed.keySet());
      Collections.sort(keys);
      return keys.get(rnd.nextInt(keys.size()));
    }

    /** The request remembered under {@code key} again (with a new reservation id, as the engine's), or another. */
    private Plan again(String key) {
      Plan first = keyed.get(key);
      // A key whose first request was denied has no answer filed, so the repeat is decided afresh
      // and uses its buckets as any decision does: not while time has stepped back.
      boolean bucketsBarred = !bucketsAllowed() && first.ops().stream()
          .anyMatch(op -> op instanceof RateOp r && (r.limit().algorithm() == Algorithm.TOKEN_BUCKET
              || r.predecessors().stream().anyMatch(p -> p.limit().algorithm() == Algorithm.TOKEN_BUCKET)));
      if (rnd.nextInt(4) == 0 || bucketsBarred) {
        return plan(rnd.nextBoolean() ? Plan.Kind.RESERVE : Plan.Kind.RECORD, key);
      }
      String id = first.kind() == Plan.Kind.RESERVE ? newId() : null;
      return new Plan(first.kind(), first.ops(), id, first.ttlMs(), key, first.fingerprint(), first.payload(),
          first.seedBudgets());
    }

    /** A second caller's plan for the same request as {@code first}, which has no idempotency key. */
    private Plan sameRequest(Plan first) {
      String id = first.kind() == Plan.Kind.RESERVE ? newId() : null;
      return new Plan(first.kind(), first.ops(), id, first.ttlMs(), null, first.fingerprint(), first.payload(),
          first.seedBudgets());
    }

    /**
     * Several decisions in one call, as Redis gets decisions made at the same moment (see
     * {@link DecisionBatcher}): applied in turn at one time, later ones on the states earlier ones
     * left (which the script's short path keeps unwritten until the call ends).
     */
    private void batch() {
      List<Plan> plans = new ArrayList<>();
      for (int i = 2 + rnd.nextInt(5); i > 0; i--) {
        int kind = rnd.nextInt(10);
        if (kind == 0 && !keyed.isEmpty()) {
          plans.add(again(anyKey()));
        } else if (kind == 1 && !plans.isEmpty() && plans.get(plans.size() - 1).idempotencyKey() == null) {
          plans.add(sameRequest(plans.get(plans.size() - 1))); // sent as a repeat of it
        } else {
          plans.add(plan(kind < 3 ? Plan.Kind.CHECK : kind < 5 ? Plan.Kind.RECORD : Plan.Kind.RESERVE,
              kind < 3 ? null : maybeKey()));
        }
      }
      long before = Math.min(clock.millis(), expectedMs) - 5;
      List<ScriptCodec.Call> calls = new ArrayList<>();
      for (Plan plan : plans) {
        calls.add(codec.apply(plan, offsetMs.get()));
      }
      List<Object> replies = redis.run(DecisionBatcher.combine(calls));
      List<PlanResult> answers = new ArrayList<>();
      long at = -1;
      for (int i = 0; i < plans.size(); i++) {
        @SuppressWarnings("unchecked")
        List<Object> reply = (List<Object>) replies.get(i);
        answers.add(ScriptCodec.planResult(reply, calls.get(i)));
        if (answers.get(i).status() != PlanResult.Status.REPLAYED) {
          at = answers.get(i).nowMs(); // the call's one time
        }
      }
      if (at < 0) {
        at = redis.nowMs();
      }
      for (int i = 0; i < plans.size(); i++) {
        String what = "decision " + (i + 1) + " of " + plans.size() + " in one call";
        history.add(step + ": " + what + ": " + describe(plans.get(i)));
        compare(plans.get(i), what, answers.get(i), before, at);
      }
    }

    /**
     * A request the engine prepared: on the in-memory store its ops are consumed through
     * {@link PreparedOps} (rate limits taken, the estimate charged), elsewhere reserved and at once
     * committed at the estimate, which must come to the same.
     */
    private final class Prepared {
      final List<Integer> subjectsAt;
      final List<RateLimit> limits;
      final List<BudgetDef> budgetDefs;
      final long cost;
      final long tokens;
      final long calls;
      List<CounterOp> ops;
      PreparedOps onMemory;

      Prepared() {
        List<Integer> order = new ArrayList<>(List.of(0, 1, 2, 3));
        Collections.shuffle(order, rnd);
        subjectsAt = order.subList(0, cluster ? 1 : 1 + rnd.nextInt(2));
        limits = rates.stream().filter(l -> rnd.nextBoolean()).toList();
        // periods of the run's grid only: a prepared request is not compiled to seed a lost budget
        budgetDefs = budgets.stream().filter(b -> b.lengthMs > 0 && rnd.nextBoolean()).toList();
        cost = rnd.nextInt(4) == 0 ? 0 : 1 + rnd.nextInt(60);
        tokens = rnd.nextInt(15);
        calls = 1 + rnd.nextInt(3);
      }

      boolean usesBuckets() {
        return limits.stream().anyMatch(Sequence.this::readsBucket);
      }

      /** The ops for store time {@code t}, prepared again when a budget period moved on. */
      List<CounterOp> opsAt(long t) {
        List<CounterOp> now = new ArrayList<>();
        for (int si : subjectsAt) {
          String subject = subjects.get(si);
          for (RateLimit l : limits) {
            long amount = l.meter().equals("tokens") ? tokens : l.meter().equals("calls") ? calls : 1;
            now.add(rateOp(subject, l, true, "p" + si, l, amount));
          }
          for (BudgetDef b : budgetDefs) {
            long[] p = period(b, t);
            now.add(new BudgetOp(CounterKeys.budget(subject, b.currency, b.period, p[0]), true, "p" + si, b.limit,
                cost, p[0], p[1], b.thresholds));
          }
        }
        if (now.isEmpty()) {
          RateLimit w = RateLimit.perWindow(4, Duration.ofSeconds(3));
          now.add(new RateOp(CounterKeys.rate(subjects.get(subjectsAt.get(0)), w), true, "p", w, 1));
        }
        if (!now.equals(ops)) {
          ops = List.copyOf(now);
          onMemory = memory.prepare(ops.toArray(new CounterOp[0]));
        }
        return ops;
      }

      Map<String, Long> meters() {
        Map<String, Long> meters = new TreeMap<>();
        for (RateLimit l : limits) {
          if (l.meter().equals("tokens")) {
            meters.put("tokens", tokens);
          } else if (l.meter().equals("calls")) {
            meters.put("calls", calls);
          }
        }
        return meters;
      }
    }

    private void acquire() {
      if (prepared.size() < 3 && (prepared.isEmpty() || rnd.nextInt(4) == 0)) {
        prepared.add(new Prepared());
      }
      Prepared p = prepared.get(rnd.nextInt(prepared.size()));
      if (p.usesBuckets() && !bucketsAllowed()) {
        reserve();
        return;
      }
      List<CounterOp> ops = p.opsAt(expectedMs + 1);
      String id = newId();
      Plan plan = new Plan(Plan.Kind.RESERVE, ops, id, 60_000, null, "acquire", null, true);
      history.add(step + ": acquire (prepared in memory, reserved and committed on Redis) " + describe(plan));
      PlanResult r = redis.apply(plan);
      seen(r.nowMs());
      history.add("    -> " + r);
      int[] fired = new int[ops.size()];
      long[] used = new long[ops.size()];
      int outcome = p.onMemory.tryConsume(fired, used);
      if (r.status() == PlanResult.Status.PERIOD_MISMATCH) {
        // the engine asks again with the new period (in memory, after a denial found first, it need not)
        same("acquire in a period that ended", true,
            outcome == PreparedOps.NEEDS_PLAN || outcome == PreparedOps.DENIED);
        count("acquire PERIOD_MISMATCH");
        return;
      }
      same("acquire", PlanResult.Status.APPLIED, r.status());
      same("acquire admitted", r.admitted() ? PreparedOps.ADMITTED : PreparedOps.DENIED, outcome);
      count("acquire " + (r.admitted() ? "admitted" : "denied"));
      note(r);
      if (!r.admitted()) {
        return;
      }
      for (int i = 0; i < ops.size(); i++) {
        if (ops.get(i) instanceof BudgetOp) {
          OpResult o = r.results().get(i);
          same("acquire: budget op " + i + " (fired, used)", List.of(o.firedThresholds(), o.used()),
              List.of(fired[i], used[i]));
        }
      }
      SettleResult c = redis.settle(Settlement.commit(id, p.cost, p.meters()));
      seen(c.nowMs());
      history.add("    committed on Redis -> " + c);
      same("acquire: commit on Redis", SettleResult.Status.SETTLED, c.status());
      for (SettleResult.BudgetChange b : c.budgets()) {
        same("acquire: commit on Redis fires nothing more", 0, b.firedThresholds());
      }
    }

    private void reset() {
      String subject = subjects.get(rnd.nextInt(3));
      if (expectedMs <= highestMs) { // time caught up first: see the class comment
        offsetMs.addAndGet(highestMs + 1 - expectedMs);
        expectedMs = highestMs + 1;
      }
      redis.reset(subject);
      // The in-memory store dates the reset by its clock, which still reads the last answer's time:
      // after a step back that is earlier than reservations made before the reset, which it would
      // then not count as forgiven, where Redis (at a time later than any seen) does. Any time
      // after every answer so far and before the next one is the same reset to both stores.
      moveMemoryTo(highestMs + 1);
      memory.reset(subject);
      history.add(step + ": reset " + subject);
      count("reset");
      // a reservation in the reset's millisecond counts as before it on Redis (see the class comment)
      offsetMs.incrementAndGet();
      expectedMs++;
      resetUnseen = true;
    }

    /** A seed as the engine sends after a NEEDS_SEED, or one that finds its counter there. */
    private void seedOne() {
      if (budgets.isEmpty()) {
        decide(plan(Plan.Kind.CHECK, null), "check");
        return;
      }
      BudgetDef b = budgets.get(rnd.nextInt(budgets.size()));
      String subject = subjects.get(rnd.nextInt(subjects.size()));
      long[] p = period(b, expectedMs + 1);
      seed(CounterKeys.budget(subject, b.currency, b.period, p[0]), p[1], b.limit, b.thresholds);
    }

    private void seed(CounterKey key, long periodEndMs, long limit, long[] thresholds) {
      long nanos = rnd.nextInt(6) == 0 ? 0 : rnd.nextInt((int) limit * 6 / 5);
      int fired = rnd.nextInt(5) == 0 ? rnd.nextInt() : Thresholds.crossed(Thresholds.NONE, nanos, limit, thresholds);
      redis.seed(key, nanos, periodEndMs, fired);
      memory.seed(key, nanos, periodEndMs, fired);
      history.add(step + ": seed " + key + " with " + nanos + ", fired " + Integer.toHexString(fired));
      count("seed");
    }

    private void settle() {
      if (held.isEmpty() || rnd.nextInt(12) == 0) {
        String id = unknownIds.isEmpty() || rnd.nextBoolean() ? newId()
            : unknownIds.get(rnd.nextInt(unknownIds.size()));
        settle(rnd.nextBoolean() ? Settlement.release(id) : Settlement.commit(id, rnd.nextInt(100), Map.of()),
            "unknown");
        return;
      }
      Held h = held.get(rnd.nextInt(held.size()));
      Settlement s = h.settlement != null && rnd.nextInt(3) != 0 ? h.settlement : settlement(h);
      SettleResult r = settle(s, h.settlement == null ? "first" : "again");
      if (r.status() == SettleResult.Status.SETTLED) {
        h.settlement = s;
      }
    }

    private Settlement settlement(Held h) {
      if (rnd.nextInt(4) == 0) {
        return Settlement.release(h.id);
      }
      long estimate = 0;
      long reservedTokens = 0;
      boolean bucket = false;
      for (CounterOp op : h.plan.ops()) {
        if (op instanceof BudgetOp b) {
          estimate = Math.max(estimate, b.amountNanos());
        } else if (op instanceof RateOp r) {
          bucket |= r.limit().algorithm() == Algorithm.TOKEN_BUCKET;
          if (r.limit().meter().equals("tokens")) {
            reservedTokens = r.amount();
          }
        }
      }
      long cost = switch (rnd.nextInt(6)) {
        case 0 -> estimate;
        case 1 -> 0;
        case 2 -> estimate / 2;
        case 3 -> estimate + 1 + rnd.nextInt(50);
        case 4 -> estimate + rnd.nextInt(1_000);
        default -> rnd.nextInt(300);
      };
      Map<String, Long> meters = switch (rnd.nextInt(5)) {
        case 0, 1 -> Map.of();
        case 2 -> Map.of("tokens", reservedTokens);
        case 3 -> Map.of("tokens", reservedTokens + 1 + rnd.nextInt(40));
        default -> Map.of("requests", (long) rnd.nextInt(4), "tokens", (long) rnd.nextInt(30));
      };
      if (bucket && !bucketsAllowed() || cluster) {
        meters = Map.of(); // an overrun would charge a token bucket; on a cluster see the field
      }
      return Settlement.commit(h.id, cost, meters);
    }

    // ---- calls to both stores -----------------------------------------------------------------

    /** Applies {@code plan} to both stores, seeding budgets both ask for, and compares the answers. */
    private PlanResult decide(Plan plan, String what) {
      history.add(step + ": " + what + " " + describe(plan));
      for (int attempt = 0; ; attempt++) {
        long before = Math.min(clock.millis(), expectedMs) - 5;
        PlanResult r = redis.apply(plan);
        // a replay carries the first answer's time: Redis replayed it after `before` and before now
        long at = r.status() == PlanResult.Status.REPLAYED ? redis.nowMs() : r.nowMs();
        compare(plan, "answer to " + what, r, before, at);
        if (r.status() != PlanResult.Status.NEEDS_SEED || attempt == 2) {
          return r;
        }
        for (int i : r.seedIndices()) {
          BudgetOp b = (BudgetOp) plan.ops().get(i);
          seed(b.key(), b.periodEndMs(), b.limitNanos(), b.thresholdNanos());
        }
      }
    }

    /**
     * Applies {@code plan} to the in-memory store at {@code atMs}, the time Redis applied it at (for
     * a replay, which Redis made after {@code beforeMs}, the latest time it can have been), and
     * compares the answer with Redis's {@code r}.
     */
    private void compare(Plan plan, String what, PlanResult r, long beforeMs, long atMs) {
      seen(atMs);
      PlanResult m = memory.apply(plan);
      if (r.status() == PlanResult.Status.REPLAYED && m.status() == PlanResult.Status.PERIOD_MISMATCH
          && periodBeginsBetween(plan, beforeMs, atMs)) {
        history.add("    replayed on Redis as a period began; not compared");
        count("replays not compared");
        return;
      }
      if (cluster && m.status() == PlanResult.Status.PERIOD_MISMATCH
          && (r.status() == PlanResult.Status.REPLAYED || r.status() == PlanResult.Status.CONFLICT)) {
        // see the class comment: the engine, told of the mismatch, asks again and gets this answer
        history.add("    -> " + r + " (answered before the periods were checked)");
        count("keys answered before periods, on Redis Cluster");
        return;
      }
      history.add("    -> " + r);
      same(what + differences(plan, r, m), r, m);
      count(plan.kind() + " " + r.status() + (r.status() == PlanResult.Status.APPLIED
          ? (r.admitted() ? " admitted" : " denied") : ""));
      if (plan.idempotencyKey() == null && r.status() == PlanResult.Status.APPLIED
          && r.results().stream().allMatch(OpResult::allowed)
          && plan.ops().stream().allMatch(op -> op instanceof BudgetOp
              || op instanceof RateOp o && o.limit().algorithm() == Algorithm.SLIDING_WINDOW)) {
        count("for the short path (windows and budgets, all with room)");
      }
      if (plan.ops().stream().anyMatch(op -> op instanceof RateOp o && o.predecessors().stream()
          .anyMatch(p -> p.untilMs() > r.nowMs()))) {
        count("with predecessors kept");
      }
      note(r);
      if (plan.idempotencyKey() != null && r.status() == PlanResult.Status.APPLIED) {
        keyed.put(plan.idempotencyKey(), plan);
      }
      if (plan.kind() == Plan.Kind.RESERVE && r.status() != PlanResult.Status.REPLAYED) {
        if (r.status() == PlanResult.Status.APPLIED && r.admitted()) {
          held.add(new Held(plan.reservationId(), plan, r.expiresAtMs()));
        } else {
          unknownIds.add(plan.reservationId());
        }
      }
    }

    /**
     * Whether a reservation held but for {@code id} expires after {@code claimedAtMs} and no later
     * than now (read after the settlement's part answered, so at or after the part's time).
     */
    private boolean otherExpiryAfter(String id, long claimedAtMs) {
      long nowMs = redis.nowMs();
      for (Held h : held) {
        if (!h.id.equals(id) && h.settlement == null && h.expiresAtMs > claimedAtMs && h.expiresAtMs <= nowMs) {
          return true;
        }
      }
      return false;
    }

    private boolean periodBeginsBetween(Plan plan, long from, long to) {
      for (CounterOp op : plan.ops()) {
        if (op instanceof BudgetOp b && (b.periodStartMs() > from && b.periodStartMs() <= to
            || b.periodEndMs() > from && b.periodEndMs() <= to)) {
          return true;
        }
      }
      return false;
    }

    private SettleResult settle(Settlement s, String what) {
      history.add(step + ": settle (" + what + ") " + s);
      SettleResult r = redis.settle(s);
      seen(r.nowMs());
      SettleResult m = memory.settle(s);
      history.add("    -> " + r);
      count("settle " + r.status());
      if (cluster && r.status() == SettleResult.Status.SETTLED && otherExpiryAfter(s.reservationId(), r.nowMs())) {
        // see the class comment: the part settled after another reservation's expiry, the claim before
        same("settlement " + s + " (budgets not compared)", List.of(r.status(), r.heldNanos(), r.nowMs()),
            List.of(m.status(), m.heldNanos(), m.nowMs()));
        history.add("    (a reservation expired between the claim and the part: budgets not compared)");
        count("cluster settlements with an expiry after the claim, budgets not compared");
        return r;
      }
      if (r.status() == SettleResult.Status.REPEATED || r.status() == SettleResult.Status.CONFLICT) {
        // only the hold is carried over from the first settlement (see SettleResult.Status.REPEATED)
        same("settlement " + s, List.of(r.status(), r.heldNanos(), r.nowMs()),
            List.of(m.status(), m.heldNanos(), m.nowMs()));
      } else {
        same("settlement " + s, r, m);
      }
      return r;
    }

    /** Every counter in play, as both stores have it now. */
    private void probe() {
      if (!cluster) {
        probe(subjects);
        return;
      }
      for (String subject : subjects) {
        probe(List.of(subject));
      }
    }

    private void probe(List<String> of) {
      long t = expectedMs + 1;
      List<CounterOp> ops = new ArrayList<>();
      for (String subject : of) {
        for (RateLimit l : rates) {
          if (!readsBucket(l) || bucketsAllowed()) {
            ops.add(rateOp(subject, l, true, "probe", l, 1));
          }
        }
        for (BudgetDef b : budgets) {
          long[] p = period(b, t);
          if (p[1] > t + 300) { // a period that ends while the probe is on its way is left out
            ops.add(new BudgetOp(CounterKeys.budget(subject, b.currency, b.period, p[0]), true, "probe", b.limit, 1,
                p[0], p[1], b.thresholds));
          }
        }
        if (slots > 0) {
          ops.add(new ConcurrencyOp(CounterKeys.concurrency(subject), true, "probe", slots));
        }
      }
      Plan plan = new Plan(Plan.Kind.CHECK, ops, null, 0, null, "probe", null, false);
      PlanResult r = redis.apply(plan);
      seen(r.nowMs());
      PlanResult m = memory.apply(plan);
      same("counters" + differences(plan, r, m), r, m);
      note(r);
    }

    /** The ops whose answers differ, if any, to read a failure by. */
    private String differences(Plan plan, PlanResult onRedis, PlanResult inMemory) {
      if (onRedis.results().size() != plan.ops().size() || inMemory.results().size() != plan.ops().size()) {
        return "";
      }
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < plan.ops().size(); i++) {
        if (!onRedis.results().get(i).equals(inMemory.results().get(i))) {
          sb.append("\n  op ").append(i).append(' ').append(describe(List.of(plan.ops().get(i))))
              .append("\n    redis:  ").append(onRedis.results().get(i))
              .append("\n    memory: ").append(inMemory.results().get(i));
        }
      }
      return sb.toString();
    }

    private void note(PlanResult r) {
      if (r.expiresAtMs() > 0) {
        marks.add(r.expiresAtMs());
      }
      for (OpResult o : r.results()) {
        if (o.resetAtMs() > 0) {
          marks.add(o.resetAtMs());
        }
        if (o.retryAtMs() > 0) {
          marks.add(o.retryAtMs());
        }
        if (o.firedThresholds() != 0) {
          count("thresholds fired");
        }
      }
      while (marks.size() > 200) {
        marks.pollFirst();
      }
    }

    private void same(String what, Object onRedis, Object inMemory) {
      if (!Objects.equals(onRedis, inMemory)) {
        throw new AssertionError("sequence " + seed + " (replay: -Dquota.differential.seed=" + seed
            + " -Dquota.differential.sequences=1), step " + step + ", " + what + ":\n  redis:  " + onRedis
            + "\n  memory: " + inMemory + "\nhistory (store time " + clock.millis() + "):\n"
            + String.join("\n", history));
      }
    }
  }

  private static String describe(Plan plan) {
    StringBuilder sb = new StringBuilder(plan.kind().name());
    if (plan.reservationId() != null) {
      sb.append(" id=").append(plan.reservationId());
    }
    if (plan.idempotencyKey() != null) {
      sb.append(" key=").append(plan.idempotencyKey()).append(" fp=").append(plan.fingerprint());
    }
    if (plan.seedBudgets()) {
      sb.append(" seed");
    }
    return sb.append(' ').append(describe(plan.ops())).toString();
  }

  private static String describe(List<CounterOp> ops) {
    StringBuilder sb = new StringBuilder("[");
    for (CounterOp op : ops) {
      sb.append(op.enforced() ? "" : "shadow ");
      if (op instanceof RateOp r) {
        sb.append(r.key()).append(" limit ").append(r.limit().limit()).append(" amount ").append(r.amount());
      } else if (op instanceof BudgetOp b) {
        sb.append(b.key()).append(" limit ").append(b.limitNanos()).append(" amount ").append(b.amountNanos())
            .append(" period ").append(b.periodStartMs()).append("..").append(b.periodEndMs())
            .append(" levels ").append(java.util.Arrays.toString(b.thresholdNanos()));
      } else {
        sb.append(op.key()).append(" max ").append(((ConcurrencyOp) op).max());
      }
      sb.append("; ");
    }
    return sb.append(']').toString();
  }
}
