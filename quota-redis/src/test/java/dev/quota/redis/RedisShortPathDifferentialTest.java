package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Algorithm;
import dev.quota.RateLimit;
import dev.quota.plan.BudgetOp;
import dev.quota.plan.CounterKeys;
import dev.quota.plan.CounterOp;
import dev.quota.plan.Plan;
import dev.quota.plan.RateOp;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The script's short path (plans of sliding windows and budgets that all have room, where no held
 * reservation is due; windows may drop slices) must decide exactly as the general path: same
 * replies, same stored state (the reservation expiry index and the counter names registered for
 * resets included), same expiry times. A plan with an idempotency key always takes the general
 * path, so each random plan is sent twice in one
 * batch call (so both see the same clock): once as it is to counters under one prefix, once with
 * an idempotency key to the same counters under another prefix of the same length. A call carries
 * one to three plans for each path, so the short path also decides on windows whose new states
 * earlier plans of the same call keep until the call ends.
 */
class RedisShortPathDifferentialTest {
  private static final String DUMP =
      "local out = {}\n"
          + "for i, k in ipairs(KEYS) do\n"
          + "  local t = redis.call('TYPE', k).ok\n"
          + "  local v = ''\n"
          + "  if t == 'hash' then\n"
          + "    local h = redis.call('HGETALL', k)\n"
          + "    local f = {}\n"
          + "    for j = 1, #h, 2 do f[#f + 1] = h[j] .. '=' .. h[j + 1] end\n"
          + "    table.sort(f)\n"
          + "    v = table.concat(f, ',')\n"
          + "  elseif t == 'string' then v = redis.call('GET', k)\n"
          + "  elseif t == 'zset' then v = table.concat(redis.call('ZRANGE', k, 0, -1, 'WITHSCORES'), ',') end\n"
          + "  out[2 * i - 1] = t .. '|' .. v\n"
          + "  out[2 * i] = redis.call('PEXPIRETIME', k)\n"
          + "end\n"
          + "return out\n";

  private RedisServerProcess server;
  private RedisStore store;
  private final ScriptCodec quick = new ScriptCodec(new RedisKeys("qa:"));
  private final ScriptCodec general = new ScriptCodec(new RedisKeys("qb:"));
  /**
   * Each key's expiry times on both sides when last compared, kept across runs: a key set in an
   * earlier run (the epoch marker, the expiry index) keeps the order in which that run's call set
   * it, which need not be the order of the call that next touches it.
   */
  private final Map<String, long[]> expiries = new HashMap<>();

  @BeforeEach
  void start() throws Exception {
    server = new RedisServerProcess();
    // a generous handshake: a loaded machine has taken over the default second to greet a new server
    store = RedisStore.builder().uri(server.uri()).prefix("qa:").timeout(Duration.ofSeconds(10))
        .connectTimeout(Duration.ofSeconds(10)).build();
    store.nowMs(); // connects and loads the function library
  }

  @AfterEach
  void stop() throws Exception {
    store.close();
    server.close();
  }

  @Test
  void randomPlansOfSlidingWindowsAndBudgetsDecideAndStoreTheSameOnBothPaths() {
    for (long seed = 1; seed <= 4; seed++) {
      run(new Random(seed), 1500, "s" + seed);
    }
  }

  private void run(Random random, int steps, String run) {
    List<RateLimit> limits = List.of(
        RateLimit.perWindow(6, Duration.ofSeconds(1)),
        RateLimit.perWindow(12, Duration.ofSeconds(2)),
        new RateLimit("tokens", 40, Duration.ofSeconds(5), Algorithm.SLIDING_WINDOW),
        RateLimit.perWindow(1, Duration.ofSeconds(1)),
        new RateLimit(RateLimit.REQUESTS, 6, Duration.ofSeconds(3), Algorithm.TOKEN_BUCKET));
    List<String> subjects = List.of(run + ":user:1", run + ":user:2:x", run + ":org:1");
    RedisCommands<String, String> redis = server.admin();
    long offset = 0;
    int quickEligible = 0;
    // budget periods: a long one, one that ends during the run (its plans then mismatch), and a tight
    // budget that runs out, whose holds return as the reservations holding them expire
    long start = store.nowMs();
    long[][] periods = {{start - 86_400_000L, start + 86_400_000L}, {start - 1_000, start + 200_000}};
    int budgetPlans = 0;
    for (int step = 0; step < steps; step++) {
      // one to three plans per call on each path, so that later plans of a call see what earlier ones
      // did to the same windows (the short path keeps their states until the call ends)
      int plans = 1 + random.nextInt(3);
      List<Plan> sent = new ArrayList<>();
      List<ScriptCodec.Call> quickCalls = new ArrayList<>();
      List<ScriptCodec.Call> generalCalls = new ArrayList<>();
      for (int p = 0; p < plans; p++) {
        // time mostly moves a little, sometimes jumps (slices leave), sometimes steps back
        int move = random.nextInt(20);
        offset += move < 12 ? random.nextInt(60) : move < 18 ? random.nextInt(1500) : move < 19 ? 6000 : -random.nextInt(300);
        List<CounterOp> ops = new ArrayList<>();
        int n = 1 + random.nextInt(3);
        for (int i = 0; i < n; i++) {
          // mostly sliding windows; now and then a token bucket (the short path refuses the plan)
          RateLimit limit = limits.get(random.nextInt(random.nextInt(10) == 0 ? limits.size() : limits.size() - 1));
          String subject = subjects.get(random.nextInt(subjects.size()));
          long amount = limit.meter().equals("tokens") ? random.nextInt(12) : random.nextInt(4) == 0 ? 0 : 1;
          ops.add(new RateOp(CounterKeys.rate(subject, limit), random.nextInt(8) != 0, "l" + i, limit, amount));
        }
        boolean budgets = random.nextInt(3) != 0;
        for (int i = 0; budgets && i < 1 + random.nextInt(2); i++) {
          long[] period = periods[random.nextInt(periods.length)];
          String subject = subjects.get(random.nextInt(subjects.size()));
          boolean tight = random.nextBoolean();
          long limitNanos = tight ? 40 : 1_000_000_000_000L;
          long[] thresholds = tight ? new long[] {20, 30} : new long[] {800_000_000_000L};
          long amount = tight ? random.nextInt(12) : random.nextInt(1_000_000_000);
          ops.add(random.nextInt(ops.size() + 1), new BudgetOp(
              CounterKeys.budget(subject, tight ? "EUR" : "USD", "day", period[0]), random.nextInt(8) != 0, "b" + i,
              limitNanos, amount, period[0], period[1], thresholds));
        }
        if (budgets) {
          budgetPlans++;
        }
        Plan.Kind kind = Plan.Kind.values()[random.nextInt(3)];
        String id = run + "-r" + step + "-" + p;
        // now and then a reservation due at once or nearly, whose hold the next plans see returned
        long ttl = kind != Plan.Kind.RESERVE ? 0 : random.nextInt(10) == 0 ? random.nextInt(3) : random.nextInt(5000);
        String payload = random.nextBoolean() ? null : "p:" + step + ":\u00e9";
        boolean seed = random.nextInt(4) == 0;
        Plan plan = new Plan(kind, ops, kind == Plan.Kind.RESERVE ? id : null, ttl, null, "fp", payload, seed);
        Plan repeatable = new Plan(kind, ops, plan.reservationId(), ttl, run + "-k" + step + "-" + p, "fp", payload, seed);
        sent.add(plan);
        quickCalls.add(quick.apply(plan, offset));
        generalCalls.add(general.apply(repeatable, offset));
      }
      // either path runs first in turn, so that a TTL one path sets 1 ms off shows despite the clock
      // moving on between the two (PEXPIRE counts from the moment it runs, not from the call's start)
      boolean quickFirst = step % 2 == 0;
      List<ScriptCodec.Call> calls = new ArrayList<>(quickFirst ? quickCalls : generalCalls);
      calls.addAll(quickFirst ? generalCalls : quickCalls);
      List<Object> replies = store.run(DecisionBatcher.combine(calls));

      Set<String> touched = new LinkedHashSet<>();
      for (int p = 0; p < plans; p++) {
        Object quickReply = replies.get(quickFirst ? p : plans + p);
        Object generalReply = replies.get(quickFirst ? plans + p : p);
        String context = run + " step " + step + " plan " + p + " of " + plans + ": " + sent.get(p);
        assertThat(quickReply).as(context).isEqualTo(generalReply);
        if (ScriptCodec.planResult(list(quickReply)).results().stream().allMatch(r -> r.allowed())) {
          quickEligible++;
        }
        ScriptCodec.Call a = quickCalls.get(p);
        for (int i = 0; i < a.keys().length; i++) {
          if (i != 2) { // [2]: the idempotency record, which only the general path's plans carry
            touched.add(a.keys()[i]);
          }
        }
      }
      touched.add("qa:names"); // the counter names registered for resets: the same on both paths
      String context = run + " step " + step;
      for (String key : touched) {
        String other = "qb:" + key.substring(3);
        List<Object> states = redis.eval(DUMP, ScriptOutputType.MULTI, key, other);
        assertThat(String.valueOf(states.get(2)).replace("qb:", "qa:")).as(context + " key " + key)
            .isEqualTo(String.valueOf(states.get(0)));
        long quickExpiry = (Long) states.get(1);
        long generalExpiry = (Long) states.get(3);
        long[] before = expiries.put(key, new long[] {quickExpiry, generalExpiry});
        if (before != null && before[0] == quickExpiry && before[1] == generalExpiry) {
          continue; // checked when it was set
        }
        if (quickExpiry < 0 || generalExpiry < 0) {
          assertThat(quickExpiry).as(context + " expiry of " + key).isEqualTo(generalExpiry);
        } else {
          long later = quickFirst ? generalExpiry - quickExpiry : quickExpiry - generalExpiry;
          assertThat(later).as(context + " expiry of " + key + " (set by the later decision, minus the earlier's)")
              .isBetween(0L, 1_000L);
        }
      }
    }
    assertThat(quickEligible).as("plans the short path can take").isGreaterThan(steps / 5);
    assertThat(budgetPlans).as("plans with budgets").isGreaterThan(steps / 2);
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object o) {
    return (List<Object>) o;
  }
}
