package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Algorithm;
import dev.quota.RateLimit;
import dev.quota.plan.BudgetOp;
import dev.quota.plan.ConcurrencyOp;
import dev.quota.plan.CounterKeys;
import dev.quota.plan.CounterOp;
import dev.quota.plan.OpResult;
import dev.quota.plan.Plan;
import dev.quota.plan.PlanResult;
import dev.quota.plan.RateOp;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A subject's reset on Redis is one script: it deletes exactly the subject's counters, whose keys
 * it builds from the counter names the script registers as it creates counters (no SCAN), so a
 * decision sees the subject either wholly before the reset or wholly after it.
 */
class RedisResetTest {
  private static final long DAY_MS = 86_400_000L;
  private static final RateLimit HOURLY = RateLimit.perWindow(1_000_000, Duration.ofHours(1));
  private static final RateLimit HALF_HOURLY = RateLimit.perWindow(1_000_000, Duration.ofMinutes(30));
  private static final RateLimit BUCKET = new RateLimit("tokens", 1_000, Duration.ofHours(1), Algorithm.TOKEN_BUCKET);
  private RedisServerProcess server;
  private RedisStore store;
  private final AtomicLong offsetMs = new AtomicLong();
  private long start;
  private long end;

  @BeforeEach
  void start() throws Exception {
    server = new RedisServerProcess();
    store = RedisStore.builder().uri(server.uri()).prefix("reset:").timeout(Duration.ofSeconds(2))
        .testClockOffset(offsetMs::get).build();
    period();
  }

  @AfterEach
  void stop() throws Exception {
    store.close();
    server.close();
  }

  private void period() {
    long now = store.nowMs();
    start = now - 60_000;
    end = now + 3_600_000;
  }

  private BudgetOp budget(String subject, String period, long amount) {
    return new BudgetOp(CounterKeys.budget(subject, "USD", period, start), true, "b", 1L << 50, amount, start, end,
        new long[0]);
  }

  private static RateOp rate(String subject, RateLimit limit, long amount) {
    return new RateOp(CounterKeys.rate(subject, limit), true, "r", limit, amount);
  }

  private static Plan record(CounterOp... ops) {
    return new Plan(Plan.Kind.RECORD, List.of(ops), null, 0, null, "fp", null, false);
  }

  private static Plan check(List<CounterOp> ops) {
    return new Plan(Plan.Kind.CHECK, ops, null, 0, null, "fp", null, false);
  }

  /**
   * Every decision adds one to each of four counters of the subject, so as long as each decision
   * lands wholly before or wholly after each reset, the four always show the same count: in every
   * decision's answer and at the end. A reset that deleted them one by one (a scan of the keyspace,
   * a page at a time, which the filler keys make long) lets decisions land in between.
   */
  @Test
  void decisionsRacingResetsSeeEachResetWhollyOrNotAtAll() throws Exception {
    populate(50_000);
    String subject = CounterKeys.subjectOf(dev.quota.Subject.of("user", "racer"));
    List<CounterOp> ops = List.of(rate(subject, HOURLY, 1), rate(subject, HALF_HOURLY, 1), budget(subject, "day", 1),
        budget(subject, "month", 1));
    Plan decision = new Plan(Plan.Kind.RECORD, ops, null, 0, null, "fp", null, false);
    ConcurrentLinkedQueue<List<Long>> torn = new ConcurrentLinkedQueue<>();
    AtomicInteger decided = new AtomicInteger();
    AtomicBoolean deciding = new AtomicBoolean(true);
    int deciders = 6;
    int perDecider = 400;
    ExecutorService pool = Executors.newFixedThreadPool(deciders + 1);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < deciders; t++) {
        done.add(pool.submit(() -> {
          go.await();
          for (int i = 0; i < perDecider; i++) {
            List<Long> used = store.apply(decision).results().stream().map(OpResult::used).toList();
            if (used.stream().distinct().count() > 1) {
              torn.add(used);
            }
            decided.incrementAndGet();
          }
          return null;
        }));
      }
      Future<Integer> resets = pool.submit(() -> {
        go.await();
        int n = 0;
        // resets while the deciders are under way, each after some decisions landed
        for (int seen = 0; deciding.get(); ) {
          if (decided.get() >= seen + 50) {
            store.reset(subject);
            n++;
            seen = decided.get();
          } else {
            Thread.onSpinWait();
          }
        }
        return n;
      });
      go.countDown();
      for (Future<?> f : done) {
        f.get(120, TimeUnit.SECONDS);
      }
      deciding.set(false);
      assertThat(resets.get(120, TimeUnit.SECONDS)).as("resets made while deciding").isGreaterThanOrEqualTo(5);
    } finally {
      pool.shutdownNow();
    }

    assertThat(torn).as("answers whose counters disagree: a reset landed in part").isEmpty();
    List<Long> after = store.apply(check(ops)).results().stream().map(OpResult::used).toList();
    assertThat(after).as("counters at the end").hasSize(4).containsOnly(after.get(0));
    assertThat(after.get(0)).isLessThan((long) deciders * perDecider);
  }

  @Test
  void aResetDeletesExactlyTheSubjectsCountersWithoutScanningTheKeyspace() {
    String a = "user:a";
    RateOp window = rate(a, HOURLY, 1);
    RateOp bucket = rate(a, BUCKET, 5);
    BudgetOp day = budget(a, "day", 10);
    ConcurrencyOp slots = new ConcurrencyOp(CounterKeys.concurrency(a), true, "c", 10);
    store.apply(record(window, day)); // the short path
    store.apply(new Plan(Plan.Kind.RESERVE, List.of(bucket, slots), "r-a", 60_000, null, "fp", null, false));
    store.seed(CounterKeys.budget(a, "EUR", "month", start), 70, end, 0);
    // neighbours: a subject that extends a's name, a pair a is part of, another scope with a's id
    List<String> others = List.of("user:ab", "user:a,tool:x", "team:a");
    for (String other : others) {
      store.apply(record(rate(other, HOURLY, 1), budget(other, "day", 10)));
    }
    RedisCommands<String, String> redis = server.admin();
    List<String> mine = List.of(store.keys().counter(window), store.keys().counter(bucket), store.keys().counter(day.key()),
        store.keys().counter(slots.key()), store.keys().slotHolders(slots.key()),
        store.keys().counter(CounterKeys.budget(a, "EUR", "month", start)));
    assertThat(redis.exists(mine.toArray(String[]::new))).isEqualTo(mine.size());
    long theirs = redis.keys("reset:{*").size() - mine.size();
    long scans = CommandStats.calls(redis).getOrDefault("scan", 0L);

    store.reset(a);

    assertThat(redis.exists(mine.toArray(String[]::new))).as("a's counters").isZero();
    assertThat(redis.keys("reset:{*")).as("every other counter").hasSize((int) theirs);
    assertThat(CommandStats.calls(redis).getOrDefault("scan", 0L)).isEqualTo(scans);
    assertThat(redis.exists(store.keys().resetMark(a))).isEqualTo(1);
    // and a's counters start afresh
    PlanResult again = store.apply(record(window, day));
    assertThat(again.results()).extracting(OpResult::used).containsExactly(1L, 10L);
  }

  /**
   * A subject that reserves every twelve hours for two months keeps the same 31-day window, token
   * bucket and slot counter all along (each reservation is held for a day), so none is created
   * again; yet their names stay registered, renewed as their writes move into later days. The
   * names of budget periods long over are dropped as new ones come, so the names kept stay as few
   * as those in use.
   */
  @Test
  void namesStayRegisteredWhileCountersOfThemLiveOnAndNamesNoCounterCanStillCarryGo() {
    String subject = "user:steady";
    RateOp window = rate(subject, RateLimit.perWindow(1_000, Duration.ofDays(31)), 1);
    RateOp bucket = rate(subject, BUCKET, 1);
    ConcurrencyOp slots = new ConcurrencyOp(CounterKeys.concurrency(subject), true, "c", 10);
    List<String> budgets = new ArrayList<>();
    for (int step = 0; step < 120; step++) {
      offsetMs.set(step * DAY_MS / 2);
      period();
      BudgetOp daily = budget(subject, "day", 1);
      Plan reserve = new Plan(Plan.Kind.RESERVE, List.of(window, bucket, daily, slots), "r-" + step, DAY_MS, null, "fp",
          null, false);
      assertThat(store.apply(reserve).admitted()).isTrue();
      budgets.add(store.keys().counter(daily.key()));
    }

    RedisCommands<String, String> redis = server.admin();
    String names = store.keys().names();
    long now = store.nowMs();
    for (String counter : List.of(store.keys().counter(window), store.keys().counter(bucket), store.keys().counter(slots.key()))) {
      assertThat(redis.zscore(names, nameOf(counter))).as("the renewed name of " + counter)
          .isNotNull().isGreaterThanOrEqualTo(now + 35 * DAY_MS);
    }
    assertThat(redis.zscore(names, nameOf(budgets.get(0)))).as("a budget of two months ago").isNull();
    assertThat(redis.zscore(names, nameOf(budgets.get(budgets.size() - 1)))).isNotNull();
    assertThat(redis.zcard(names)).as("three counters' and the last forty days' budgets'").isLessThanOrEqualTo(3 + 2 * 41);

    store.reset(subject);
    assertThat(redis.exists(store.keys().counter(window), store.keys().counter(bucket), store.keys().counter(slots.key()),
        budgets.get(budgets.size() - 1))).isZero();
  }

  /**
   * A token bucket deep in debt (recorded usage far past its limit) lives until it is full again,
   * far longer than a name is otherwise held: its name, and the set of names, must outlive it, even
   * as other names come and go, so that a reset still finds it.
   */
  @Test
  void aBucketDeepInDebtKeepsItsNameRegisteredUntilItIsFullAgain() {
    String subject = "user:spender";
    RateOp monthly = rate(subject, new RateLimit("tokens", 1_000, Duration.ofDays(31), Algorithm.TOKEN_BUCKET), 1L << 40);
    store.apply(record(monthly));
    RedisCommands<String, String> redis = server.admin();
    String bucketKey = store.keys().counter(monthly);
    assertThat(redis.pttl(bucketKey)).as("a debt of many buckets").isGreaterThan(365 * DAY_MS);

    // Fifty days on, other subjects register new names (each dropping the names whose time is over)
    // and the names set's time is set again.
    offsetMs.set(50 * DAY_MS);
    period();
    store.apply(record(rate("user:other", HOURLY, 1), budget("user:other", "day", 1)));
    assertThat(redis.pttl(store.keys().names())).isGreaterThanOrEqualTo(redis.pttl(bucketKey));
    assertThat(redis.zscore(store.keys().names(), nameOf(bucketKey))).isNotNull();

    store.reset(subject);
    assertThat(redis.exists(bucketKey)).isZero();
  }

  /** What follows the subject's hash tag in a counter's key. */
  private static String nameOf(String key) {
    return key.substring(key.indexOf('}') + 1);
  }

  /** Fills the keyspace with {@code keys} keys of no one's. */
  private void populate(int keys) {
    StringCodec utf8 = StringCodec.UTF8;
    server.admin().dispatch(CommandType.DEBUG, new StatusOutput<>(utf8),
        new CommandArgs<>(utf8).add("POPULATE").add(keys).add("filler"));
  }
}
