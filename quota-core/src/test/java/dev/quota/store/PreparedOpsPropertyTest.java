package dev.quota.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Algorithm;
import dev.quota.RateLimit;
import dev.quota.plan.CounterKeys;
import dev.quota.plan.CounterOp;
import dev.quota.plan.Plan;
import dev.quota.plan.RateOp;
import dev.quota.store.conformance.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The prepared fast path against the general path on twin stores: the same ops at the same times
 * must be admitted and denied alike, whatever the mix of loads, amounts, limits and clock steps
 * (including steps back and the lock-free denials of a key that is denying).
 */
class PreparedOpsPropertyTest {
  private static final Instant START = Instant.parse("2026-06-15T10:00:00Z");

  @Property(tries = 200)
  void preparedAndGeneralPathsDecideAlike(
      @ForAll long seed, @ForAll @IntRange(min = 1, max = 3) int limits, @ForAll boolean bucket) {
    Random rnd = new Random(seed);
    CounterOp[] ops = new CounterOp[limits];
    for (int i = 0; i < limits; i++) {
      // Some ops share a subject (one stripe), some do not; some only shadow.
      String subject = CounterKeys.subjectOf(dev.quota.Subject.of("user", "u" + rnd.nextInt(2)));
      Duration window = Duration.ofSeconds(1 + rnd.nextInt(90));
      RateLimit limit =
          new RateLimit(RateLimit.REQUESTS, 1 + rnd.nextInt(40), window, bucket ? Algorithm.TOKEN_BUCKET : Algorithm.SLIDING_WINDOW);
      ops[i] = new RateOp(CounterKeys.named(subject, "r" + i), rnd.nextInt(8) != 0, "l" + i, limit, 1 + rnd.nextInt(3));
    }
    MutableClock fastClock = new MutableClock(START);
    MutableClock generalClock = new MutableClock(START);
    MemoryStore fast = new MemoryStore(fastClock);
    MemoryStore general = new MemoryStore(generalClock);
    PreparedOps prepared = fast.prepare(ops);
    // Loads from far below to far above the limits, so keys move between admitting and denying.
    double meanGapMs = 5 + rnd.nextInt(400);
    for (int call = 0; call < 600; call++) {
      long step = rnd.nextInt(20) == 0 ? -rnd.nextInt(50) : (long) (-Math.log(1 - rnd.nextDouble()) * meanGapMs);
      fastClock.advance(Duration.ofMillis(step));
      generalClock.advance(Duration.ofMillis(step));
      boolean viaFast = prepared.tryConsume(null, null) == PreparedOps.ADMITTED;
      boolean viaGeneral =
          general.apply(new Plan(Plan.Kind.RESERVE, List.of(ops), "r" + call, 1, null, "f", null, false)).admitted();
      assertThat(viaFast).as("call %d at step %d", call, step).isEqualTo(viaGeneral);
    }
  }

  @Property(tries = 50)
  void aDenyingKeyDeniesWithoutTheLockOnlyWhenTheLockedPathWould(
      @ForAll long seed, @ForAll @IntRange(min = 1, max = 20) int limit) {
    Random rnd = new Random(seed);
    MutableClock clock = new MutableClock(START);
    MemoryStore store = new MemoryStore(clock);
    RateLimit rate = new RateLimit(RateLimit.REQUESTS, limit, Duration.ofSeconds(10), Algorithm.SLIDING_WINDOW);
    RateOp op = new RateOp(CounterKeys.rate("user:u", rate), true, "l", rate, 1);
    PreparedOps prepared = store.prepare(new CounterOp[] {op});
    for (int call = 0; call < 400; call++) {
      clock.advance(Duration.ofMillis(rnd.nextInt(200)));
      // Asked twice at one instant: the general path's answer in between must agree with both.
      boolean first = prepared.tryConsume(null, null) == PreparedOps.ADMITTED;
      boolean roomLeft = store.apply(new Plan(Plan.Kind.CHECK, List.of(op), null, 0, null, "c", null, false)).admitted();
      if (!first) {
        assertThat(roomLeft).isFalse();
        assertThat(prepared.tryConsume(null, null)).isEqualTo(PreparedOps.DENIED);
      }
    }
  }
}
