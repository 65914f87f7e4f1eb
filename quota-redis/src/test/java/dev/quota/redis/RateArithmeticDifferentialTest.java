package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Algorithm;
import dev.quota.RateLimit;
import dev.quota.Subject;
import dev.quota.plan.CounterKeys;
import dev.quota.plan.Plan;
import dev.quota.plan.PlanResult;
import dev.quota.plan.RateOp;
import dev.quota.plan.SettleResult;
import dev.quota.plan.Settlement;
import dev.quota.store.MemoryStore;
import dev.quota.store.conformance.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The script and the in-memory store count rate limits with the same arithmetic: random sequences
 * of checks, reservations, recorded usage and commits on token buckets (any window and limit, so
 * ticks of 1 ms to 41 s, and debts down to the deepest) and sliding windows (limits up to 2^53-1,
 * charges that saturate them) get the same answers from both. Each call goes to Redis first; the
 * in-memory store then decides at the moment Redis reported.
 */
class RateArithmeticDifferentialTest {
  private static final long MAX = (1L << 53) - 1;
  private static final long TTL_MS = 600_000;
  private static final long[] WINDOWS_MS = {1_000, 60_000, 65_536, 65_537, 3_600_000, 86_400_000, 31 * 86_400_000L};

  private final AtomicLong offsetMs = new AtomicLong();
  private RedisStore redis;
  private MutableClock clock;
  private MemoryStore memory;

  @BeforeEach
  void open() {
    redis = RedisStore.builder().prefix("test:arithmetic:" + UUID.randomUUID() + ":")
        .timeout(Duration.ofSeconds(2)).testClockOffset(offsetMs::get).build();
    clock = new MutableClock(Instant.ofEpochMilli(redis.nowMs()));
    memory = new MemoryStore(clock);
  }

  @AfterEach
  void close() {
    redis.deleteAll();
    redis.close();
  }

  @Test
  void bothStoresAnswerAlike() {
    for (int seed = 0; seed < 40; seed++) {
      Random rnd = new Random(seed);
      boolean bucket = seed % 3 != 0;
      long windowMs = rnd.nextInt(4) == 0 ? 1_000 + (long) (rnd.nextDouble() * (31 * 86_400_000L - 1_000))
          : WINDOWS_MS[rnd.nextInt(WINDOWS_MS.length)];
      long most = bucket ? RateLimit.MAX_BUCKET_LIMIT : RateLimit.MAX_LIMIT;
      long limit = Math.max(1, Math.min(most, (long) Math.pow(2, rnd.nextDouble() * 54)));
      RateLimit l = new RateLimit("tokens", limit, Duration.ofMillis(windowMs),
          bucket ? Algorithm.TOKEN_BUCKET : Algorithm.SLIDING_WINDOW);
      String subject = CounterKeys.subjectOf(Subject.of("user", "d" + seed));
      List<String> held = new ArrayList<>();
      List<Long> heldSince = new ArrayList<>();
      for (int step = 0; step < 40; step++) {
        String at = "seed " + seed + " (" + l + ") step " + step;
        long jump = jump(rnd, windowMs);
        offsetMs.addAndGet(jump);
        // the stores remember expired reservations for different times, which is not at stake here
        for (int i = held.size() - 1; i >= 0; i--) {
          if (clock.millis() + jump - heldSince.get(i) > TTL_MS / 2) {
            held.remove(i);
            heldSince.remove(i);
          }
        }
        if (!held.isEmpty() && rnd.nextInt(4) == 0) {
          int pick = rnd.nextInt(held.size());
          heldSince.remove(pick);
          String id = held.remove(pick);
          Settlement s = Settlement.commit(id, 0, Map.of("tokens", amount(rnd, limit)));
          SettleResult r = redis.settle(s);
          moveTo(r.nowMs());
          assertThat(memory.settle(s).status()).as(at).isEqualTo(r.status());
          continue;
        }
        Plan.Kind kind = Plan.Kind.values()[rnd.nextInt(3)];
        String id = kind == Plan.Kind.RESERVE ? "r-" + seed + "-" + step : null;
        RateOp op = new RateOp(CounterKeys.rate(subject, l), rnd.nextInt(6) != 0, "t", l, amount(rnd, limit));
        Plan plan = new Plan(kind, List.of(op), id, TTL_MS, null, "fp", null, false);
        PlanResult r = redis.apply(plan);
        moveTo(r.nowMs());
        PlanResult m = memory.apply(plan);
        assertThat(m.admitted()).as(at).isEqualTo(r.admitted());
        assertThat(m.results()).as(at).isEqualTo(r.results());
        assertThat(r.results().get(0).used()).as(at).isBetween(0L, MAX);
        if (kind == Plan.Kind.RESERVE && r.admitted()) {
          held.add(id);
          heldSince.add(r.nowMs());
        }
      }
    }
  }

  private void moveTo(long nowMs) {
    clock.advance(Duration.ofMillis(nowMs - clock.millis()));
  }

  /** Mostly nothing or a little; now and then a few ticks, part of a window or two windows. */
  private static long jump(Random rnd, long windowMs) {
    long tickMs = (windowMs + 65_535) / 65_536;
    return switch (rnd.nextInt(6)) {
      case 0, 1 -> 0;
      case 2 -> 1 + rnd.nextInt(3 * (int) tickMs);
      case 3 -> (long) (rnd.nextDouble() * windowMs / 3);
      case 4 -> rnd.nextInt(50);
      default -> rnd.nextInt(10) == 0 ? 2 * windowMs : (long) (rnd.nextDouble() * windowMs / 20);
    };
  }

  /** A share of the limit, all of it, one more, nothing, or anything up to 2^53-1. */
  private static long amount(Random rnd, long limit) {
    return switch (rnd.nextInt(8)) {
      case 0 -> 0;
      case 1 -> limit;
      case 2 -> Math.min(MAX, limit + 1);
      case 3 -> (long) (rnd.nextDouble() * MAX);
      default -> 1 + (long) (rnd.nextDouble() * Math.max(1, limit / 4));
    };
  }
}
