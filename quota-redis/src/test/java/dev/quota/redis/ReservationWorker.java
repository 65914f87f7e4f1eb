package dev.quota.redis;

import dev.quota.RateLimit;
import dev.quota.plan.BudgetOp;
import dev.quota.plan.CounterKeys;
import dev.quota.plan.CounterOp;
import dev.quota.plan.Plan;
import dev.quota.plan.RateOp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A separate JVM for the cross-process test: sends {@code count} reservations from 16 threads and
 * prints how many were admitted. Starts sending when a line arrives on standard input. Args: prefix, count, periodStartMs, periodEndMs, mode (rate|budget).
 */
public final class ReservationWorker {
  public static void main(String[] args) throws Exception {
    String prefix = args[0];
    int count = Integer.parseInt(args[1]);
    long start = Long.parseLong(args[2]);
    long end = Long.parseLong(args[3]);
    List<CounterOp> ops = ops(args[4], start, end);
    AtomicInteger admitted = new AtomicInteger();
    try (RedisStore store = RedisStore.builder().prefix(prefix).timeout(Duration.ofSeconds(5)).connectTimeout(Duration.ofSeconds(20)).build()) {
      // connect and load the script, then start together with the other process
      store.nowMs();
      System.out.println("READY");
      System.out.flush();
      new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine();
      ExecutorService pool = Executors.newFixedThreadPool(16);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        int share = count / 16 + (t < count % 16 ? 1 : 0);
        done.add(pool.submit(() -> {
          for (int i = 0; i < share; i++) {
            Plan plan = new Plan(Plan.Kind.RESERVE, ops, "r-" + UUID.randomUUID(), 600_000, null, "fp", null, false);
            if (store.apply(plan).admitted()) {
              admitted.incrementAndGet();
            }
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
      pool.shutdown();
    }
    System.out.println("ADMITTED " + admitted.get());
  }

  /** rate: user 100/min + team and project budgets that are not binding; budget: 1000 nanos, 7 each. */
  static List<CounterOp> ops(String mode, long start, long end) {
    RateLimit perMinute = RateLimit.perWindow(100, Duration.ofMinutes(1));
    String user = CounterKeys.subjectOf(dev.quota.Subject.of("user", "ann"));
    String team = CounterKeys.subjectOf(dev.quota.Subject.of("team", "core"));
    String project = CounterKeys.subjectOf(dev.quota.Subject.of("project", "apollo"));
    BudgetOp teamBudget = budget(team, 1_000_000, 7, start, end);
    BudgetOp projectBudget = budget(project, 1000, 7, start, end);
    if (mode.equals("rate")) {
      return List.of(new RateOp(CounterKeys.rate(user, perMinute), true, "user", perMinute, 1), teamBudget,
          budget(project, 1_000_000, 7, start, end));
    }
    return List.of(budget(user, 1_000_000, 7, start, end), teamBudget, projectBudget);
  }

  static BudgetOp budget(String subject, long limit, long amount, long start, long end) {
    return new BudgetOp(CounterKeys.budget(subject, "USD", "day", start), true, subject, limit, amount, start, end,
        new long[0]);
  }
}
