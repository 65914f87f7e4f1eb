package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Algorithm;
import dev.quota.RateLimit;
import dev.quota.internal.SlidingWindow;
import dev.quota.plan.CounterKeys;
import dev.quota.plan.OpResult;
import dev.quota.plan.Plan;
import dev.quota.plan.PlanResult;
import dev.quota.plan.RateOp;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The script's sliding window decides exactly as {@link SlidingWindow} does: the same admissions,
 * used counts, reset and retry times, over random traffic with bursts, pauses shorter and longer
 * than the window, denials and oversized requests; and it never keeps more than its slices.
 */
class RedisSlidingWindowTest {
  private final String prefix = "test:window:" + UUID.randomUUID() + ":";
  private final AtomicLong offset = new AtomicLong();
  private RedisStore store;
  private RedisClient admin;
  private StatefulRedisConnection<String, String> connection;

  @BeforeEach
  void open() {
    store = RedisStore.builder().prefix(prefix).timeout(Duration.ofSeconds(2)).testClockOffset(offset::get).build();
    admin = RedisClient.create("redis://127.0.0.1:6379");
    connection = admin.connect();
  }

  @AfterEach
  void drop() {
    connection.close();
    admin.shutdown();
    store.deleteAll();
    store.close();
  }

  @ParameterizedTest
  @ValueSource(longs = {1_000, 60_000, 3_600_000})
  void decidesAsTheInMemorySlidingWindowDoes(long windowMs) {
    RateLimit limit = new RateLimit(RateLimit.REQUESTS, 40, Duration.ofMillis(windowMs), Algorithm.SLIDING_WINDOW);
    String subject = CounterKeys.subjectOf(dev.quota.Subject.of("user", "w" + windowMs));
    SlidingWindow model = new SlidingWindow(windowMs);
    SplittableRandom random = new SplittableRandom(windowMs);
    long sliceMs = Math.max(1, SlidingWindow.sliceUs(windowMs) / 1000);
    long previous = Long.MIN_VALUE;
    long lastAdmitted = Long.MIN_VALUE;
    long expiriesSet = pexpireCalls();
    long expiresAt = Long.MIN_VALUE; // the key's expiry, on the store's clock when it was last set
    for (int step = 0; step < 1_500; step++) {
      int pick = random.nextInt(100);
      if (pick < 45) {
        offset.addAndGet(random.nextLong(0, sliceMs * 3)); // several admissions per slice, or a few slices on
      } else if (pick < 48) {
        offset.addAndGet(windowMs + random.nextLong(0, windowMs)); // the whole window leaves
      } else if (pick < 55) {
        offset.addAndGet(random.nextLong(0, windowMs / 2)); // part of the window leaves
      }
      long amount = random.nextInt(100) < 3 ? 41 : 1 + random.nextInt(4);
      boolean check = random.nextInt(100) < 10;
      RateOp op = new RateOp(CounterKeys.rate(subject, limit), true, "rate", limit, amount);
      Plan plan = check
          ? new Plan(Plan.Kind.CHECK, List.of(op), null, 0, null, "fp", null, false)
          : new Plan(Plan.Kind.RESERVE, List.of(op), "r-" + windowMs + "-" + step, 1_000, null, "fp", "payload", false);
      PlanResult r = store.apply(plan);
      long now = r.nowMs();
      assertThat(now).as("the store's clock moves forward").isGreaterThanOrEqualTo(previous);
      previous = now;

      model.advance(now);
      boolean fits = model.used() + amount <= limit.limit();
      if (fits && !check) {
        model.add(now, amount);
        lastAdmitted = now;
      }
      OpResult o = r.results().get(0);
      String at = "step " + step + " (amount " + amount + (check ? ", check" : "") + ")";
      assertThat(o.allowed()).as(at).isEqualTo(fits);
      assertThat(o.used()).as(at).isEqualTo(model.used());
      assertThat(o.resetAtMs()).as(at).isEqualTo(model.resetAtMs());
      assertThat(o.retryAtMs()).as(at).isEqualTo(fits ? 0 : model.retryAtMs(now, amount, limit.limit()));

      String key = store.keys().counter(op);
      if (model.isEmpty()) {
        assertThat(connection.sync().exists(key)).as(at + ": an empty window keeps no key").isZero();
      } else {
        assertThat(connection.sync().hlen(key)).as(at + ": fields").isLessThanOrEqualTo(SlidingWindow.SLICES + 1L);
        assertThat(connection.sync().pttl(key)).as(at + ": TTL").isPositive();
        // The TTL is renewed only now and then (once a minute for a busy window), so it must cover
        // the newest admission until it leaves, on the clock the store decided by when it set it.
        long set = pexpireCalls();
        if (set != expiriesSet) {
          expiriesSet = set;
          long expiry = connection.sync().<Long>eval("return redis.call('PEXPIRETIME', KEYS[1])", ScriptOutputType.INTEGER, key);
          expiresAt = expiry + offset.get();
        }
        assertThat(expiresAt).as(at + ": expiry, against the newest admission's").isGreaterThan(lastAdmitted + windowMs);
      }
    }
  }

  /** PEXPIRE commands the server has run so far (this test's, as tests here run one at a time). */
  private long pexpireCalls() {
    return CommandStats.calls(connection.sync()).getOrDefault("pexpire", 0L);
  }
}
