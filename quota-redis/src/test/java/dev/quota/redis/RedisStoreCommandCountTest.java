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

  @BeforeEach
  void start() throws Exception {
    server = new RedisServerProcess();
    store = RedisStore.builder().uri(server.uri()).timeout(Duration.ofSeconds(2)).build();
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

  @Test
  void aThreeSubjectRateReservationRunsAtMostTwelveCommands() {
    assertThat(commandsPerDecision("3 rates", this::threeRatesPlan)).isLessThanOrEqualTo(12.0);
  }

  @Test
  void aThreeSubjectReservationOverRatesBudgetsAndSlotsRunsAtMostTwentyNineCommands() {
    assertThat(commandsPerDecision("3 x (rate, budget, slots)", this::threeMixed)).isLessThanOrEqualTo(29.0);
  }

  private Plan threeRatesPlan(int i) {
    return threeRates(i);
  }

  private double commandsPerDecision(String name, IntFunction<Plan> plans) {
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
    return total;
  }
}
