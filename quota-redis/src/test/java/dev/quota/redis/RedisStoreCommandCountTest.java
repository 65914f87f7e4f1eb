package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.RateLimit;
import dev.quota.Subject;
import dev.quota.plan.BudgetOp;
import dev.quota.plan.ConcurrencyOp;
import dev.quota.plan.CounterKeys;
import dev.quota.plan.CounterOp;
import dev.quota.plan.Plan;
import dev.quota.plan.RateOp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Redis commands run per decision, inside the script included, read from INFO commandstats on a
 * private redis-server. Fewer commands per script run is what makes a decision cheap on Redis.
 */
class RedisStoreCommandCountTest {
  private static final RateLimit PER_MINUTE = RateLimit.perWindow(1_000_000_000, Duration.ofMinutes(1));
  private static final int DECISIONS = 600;
  private RedisServerProcess server;
  private RedisStore store;
  private long now;
  /** Added to Redis's clock by the store's script: tests move time on without waiting for it. */
  private final AtomicLong offsetMs = new AtomicLong();

  @BeforeEach
  void start() throws Exception {
    server = new RedisServerProcess();
    store = RedisStore.builder().uri(server.uri()).timeout(Duration.ofSeconds(2)).testClockOffset(offsetMs::get).build();
    now = store.nowMs();
  }

  @AfterEach
  void stop() throws Exception {
    store.close();
    server.close();
  }

  private static List<String> subjects(int i) {
    return List.of(CounterKeys.subjectOf(Subject.of("user", "u" + i % 10_000)),
        CounterKeys.subjectOf(Subject.of("team", "t" + i % 100)),
        CounterKeys.subjectOf(Subject.of("project", "p" + i % 1_000)));
  }

  /** The benchmark's decision: a reservation against one rate limit on each of three subjects. */
  private static Plan threeRates(int i) {
    List<CounterOp> ops = new ArrayList<>();
    for (String s : subjects(i)) {
      ops.add(new RateOp(CounterKeys.rate(s, PER_MINUTE), true, "rate", PER_MINUTE, 1));
    }
    return new Plan(Plan.Kind.RESERVE, ops, "r-" + i, 30_000, null, "fp", "payload", false);
  }

  private Plan threeMixed(int i) {
    List<CounterOp> ops = new ArrayList<>();
    for (String s : subjects(i)) {
      ops.add(new RateOp(CounterKeys.rate(s, PER_MINUTE), true, "rate", PER_MINUTE, 1));
      ops.add(new BudgetOp(CounterKeys.budget(s, "USD", "day", now - 1000), true, "budget", 1L << 50, 10,
          now - 1000, now + 3_600_000, new long[] {1L << 40}));
      ops.add(new ConcurrencyOp(CounterKeys.concurrency(s), true, "slots", 1_000_000));
    }
    return new Plan(Plan.Kind.RESERVE, ops, "m-" + i, 30_000, null, "fp", "payload", false);
  }

  /*
   * The decisions counted here create the counters of their user and project (the warm-up touched
   * other ones): each new counter's TTL is set, and its name is looked up once per call among the
   * names registered for resets (ZSCORE), one per distinct name.
   */

  @Test
  void aThreeSubjectRateReservationRunsAtMostThirteenCommands() {
    assertThat(commandsPerDecision("3 rates", this::threeRatesPlan)).isLessThanOrEqualTo(13.0);
  }

  @Test
  void aThreeSubjectReservationOverRatesBudgetsAndSlotsRunsAtMostThirtyNineCommands() {
    // each slot taken also files its reservation among the counter's holders (ZADD, PEXPIRE)
    assertThat(commandsPerDecision("3 x (rate, budget, slots)", this::threeMixed)).isLessThanOrEqualTo(39.0);
  }

  /**
   * A busy subject's window in the steady state: its oldest slice leaves at every decision, and the
   * next oldest, a closed slice, becomes the head. The short path reads that slice's one field with
   * HGET; only the general path, which loads slices with HMGET into tables, would show an HMGET. A
   * slice opens at every decision too, but the window's TTL is renewed only as a new minute begins.
   */
  @Test
  void aWindowWhoseOldestSliceLeavesAtEveryDecisionStaysOnTheShortPath() {
    RateLimit perSecond = RateLimit.perWindow(1_000, Duration.ofSeconds(1));
    // Three slices in the window; each decision opens one and drops one. The store's time is Redis's
    // own plus the offset, so the offset also takes back the real time a loaded machine lets pass
    // between decisions: the steps stay 400 ms to within the moment between this line and the script.
    long start = System.currentTimeMillis();
    AtomicLong steps = new AtomicLong();
    IntFunction<Plan> plans = i -> {
      offsetMs.set(start + 400 * steps.incrementAndGet() - System.currentTimeMillis());
      String user = CounterKeys.subjectOf(Subject.of("user", "busy"));
      return new Plan(Plan.Kind.RECORD, List.of(new RateOp(CounterKeys.rate(user, perSecond), true, "rate", perSecond, 1)),
          null, 0, null, "fp", "payload", false);
    };
    Map<String, Double> per = commands("a window dropping a slice per decision", plans);
    assertThat(per).as("the next head slice is read with HGET, not loaded into tables").doesNotContainKey("hmget");
    assertThat(per.get("hdel")).as("the slice that left is removed").isEqualTo(1.0);
    // 600 decisions 400 ms apart span four minutes: the TTL is set again once a minute, not per slice
    assertThat(per.get("pexpire") * DECISIONS).as("TTLs set").isBetween(3.0, 5.0);
  }

  private Plan threeRatesPlan(int i) {
    return threeRates(i);
  }

  private double commandsPerDecision(String name, IntFunction<Plan> plans) {
    return commands(name, plans).values().stream().mapToDouble(Double::doubleValue).sum();
  }

  /** Per command name, how many times it ran per decision (in or outside the script). */
  private Map<String, Double> commands(String name, IntFunction<Plan> plans) {
    for (int i = 0; i < 50; i++) {
      store.apply(plans.apply(DECISIONS + i)); // warm: script loaded, counters exist
    }
    Map<String, Long> before = CommandStats.calls(server.admin());
    for (int i = 0; i < DECISIONS; i++) {
      assertThat(store.apply(plans.apply(i)).admitted()).isTrue();
    }
    Map<String, Long> after = CommandStats.calls(server.admin());
    Map<String, Double> per = new TreeMap<>();
    double total = 0;
    for (Map.Entry<String, Long> e : after.entrySet()) {
      long calls = e.getValue() - before.getOrDefault(e.getKey(), 0L);
      if (calls > 0) {
        per.put(e.getKey(), (double) calls / DECISIONS);
        total += (double) calls / DECISIONS;
      }
    }
    System.out.printf("commands per decision, %s: %.2f %s%n", name, total, per);
    return per;
  }
}
