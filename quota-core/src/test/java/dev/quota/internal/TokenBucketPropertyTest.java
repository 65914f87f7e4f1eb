package dev.quota.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/**
 * The token bucket against its definition, computed in unbounded rationals: tokens(t) =
 * min(limit, tokens(t0) + (t - t0) * limit / window); a request of n is admitted iff tokens >= n.
 */
class TokenBucketPropertyTest {
  private static final long DAY_MS = 86_400_000L;
  private static final long MAX_WINDOW_MS = 31 * DAY_MS;
  private static final long MAX_LIMIT = 1L << 36;

  /** Windows up to 65.5 s refill every millisecond: exactly the definition. */
  @Property(tries = 300)
  void matchesTheDefinitionWithMillisecondTicks(
      @ForAll long seed,
      @ForAll @IntRange(min = 1, max = 10_000) int limit,
      @ForAll @LongRange(min = 1000, max = 65_536) long windowMs) {
    assertThat(TokenBucket.tickMs(windowMs)).isEqualTo(1);
    Random rnd = new Random(seed);
    long now = 1_700_000_000_000L;
    TokenBucket bucket = new TokenBucket(limit, windowMs, now);
    // Oracle level, as a numerator over windowMs: exact rational arithmetic.
    BigInteger level = BigInteger.valueOf(limit).multiply(BigInteger.valueOf(windowMs));
    BigInteger cap = level;
    for (int step = 0; step < 400; step++) {
      long dt = rnd.nextInt(4) == 0 ? 0 : (long) (rnd.nextDouble() * windowMs / Math.max(1, limit / 4));
      now += dt;
      level = level.add(BigInteger.valueOf(dt).multiply(BigInteger.valueOf(limit))).min(cap);
      long n = 1 + rnd.nextInt(Math.max(1, limit / 3));
      BigInteger need = BigInteger.valueOf(n).multiply(BigInteger.valueOf(windowMs));
      boolean expected = level.compareTo(need) >= 0;
      bucket.advance(now);
      assertThat(bucket.hasRoom(n)).isEqualTo(expected);
      if (expected) {
        bucket.take(n);
        level = level.subtract(need);
      } else {
        long retry = bucket.retryAtMs(now, n);
        BigInteger deficit = need.subtract(level);
        long ms = deficit.add(BigInteger.valueOf(limit - 1)).divide(BigInteger.valueOf(limit)).longValueExact();
        assertThat(retry).isEqualTo(now + ms);
      }
      long wholeTokens = level.divide(BigInteger.valueOf(windowMs)).longValueExact();
      assertThat(bucket.used()).isEqualTo(limit - wholeTokens);
    }
  }

  /**
   * Longer windows refill in whole ticks (a millisecond for windows up to 65.5 s, 41 s for 31
   * days), at most 65,536 to a window, so that limits up to 2^36 keep every level below 2^52.
   */
  @Test
  void longWindowsRefillInTicksOfAtMostOne65536thOfTheWindow() {
    assertThat(TokenBucket.tickMs(65_536)).isEqualTo(1);
    assertThat(TokenBucket.ticks(65_536)).isEqualTo(65_536);
    assertThat(TokenBucket.tickMs(65_537)).isEqualTo(2);
    assertThat(TokenBucket.ticks(65_537)).isEqualTo(32_769);
    assertThat(TokenBucket.tickMs(3_600_000)).isEqualTo(55);
    assertThat(TokenBucket.tickMs(MAX_WINDOW_MS)).isEqualTo(40_870);
    assertThat(TokenBucket.ticks(MAX_WINDOW_MS)).isEqualTo(65_535);
    assertThat(MAX_LIMIT * TokenBucket.ticks(MAX_WINDOW_MS)).isLessThan(1L << 52);
    // a refill of a window's tokens never takes less than the window
    assertThat(TokenBucket.ticks(MAX_WINDOW_MS) * TokenBucket.tickMs(MAX_WINDOW_MS)).isGreaterThanOrEqualTo(MAX_WINDOW_MS);
  }

  /**
   * At any window and limit, whole ticks never admit more than a continuous refill of limit per
   * window would, and fall behind a continuous refill of limit per tick by less than one tick's
   * worth; retry and reset times are exactly the first moments that hold.
   */
  @Property(tries = 300)
  void ticksNeverAdmitMoreThanAContinuousRefill(
      @ForAll long seed,
      @ForAll @LongRange(min = 1, max = MAX_LIMIT) long limit,
      @ForAll @LongRange(min = 1000, max = MAX_WINDOW_MS) long windowMs) {
    Random rnd = new Random(seed);
    long tickMs = TokenBucket.tickMs(windowMs);
    long ticks = TokenBucket.ticks(windowMs);
    long now = 1_700_000_000_000L;
    TokenBucket bucket = new TokenBucket(limit, windowMs, now);
    // Both oracles count in units of 1/ticks token, scaled by tickMs x windowMs so that either
    // refills a whole number per millisecond: limit x windowMs (limit per tick) and
    // limit x ticks x tickMs (limit per window).
    BigInteger scale = big(tickMs).multiply(big(windowMs));
    BigInteger cap = big(limit).multiply(big(ticks)).multiply(scale);
    BigInteger perTickRate = big(limit).multiply(big(windowMs));
    BigInteger perWindowRate = big(limit).multiply(big(ticks)).multiply(big(tickMs));
    BigInteger perTick = cap;
    BigInteger perWindow = cap;
    for (int step = 0; step < 300; step++) {
      long dt = switch (rnd.nextInt(5)) {
        case 0 -> 0;
        case 1 -> 1 + rnd.nextInt((int) Math.min(tickMs, 1000));
        case 2 -> (long) (rnd.nextDouble() * 3 * tickMs);
        default -> (long) (rnd.nextDouble() * windowMs / 4);
      };
      now += dt;
      perTick = perTick.add(big(dt).multiply(perTickRate)).min(cap);
      perWindow = perWindow.add(big(dt).multiply(perWindowRate)).min(cap);
      bucket.advance(now);
      BigInteger level = big(bucket.level()).multiply(scale);
      assertThat(level).isLessThanOrEqualTo(perTick);
      assertThat(perTick).isLessThanOrEqualTo(perWindow);
      assertThat(perTick.subtract(level)).isLessThan(big(limit).multiply(scale));

      long n = rnd.nextInt(8) == 0 ? limit + 1 : 1 + (long) (rnd.nextDouble() * limit / 3);
      BigInteger need = big(n).multiply(big(ticks)).multiply(scale);
      if (bucket.hasRoom(n)) {
        assertThat(perWindow).isGreaterThanOrEqualTo(need);
        bucket.take(n);
        perTick = perTick.subtract(need);
        perWindow = perWindow.subtract(need);
      } else if (n > limit) {
        assertThat(bucket.retryAtMs(now, n)).isEqualTo(-1);
      } else if (rnd.nextInt(3) == 0) {
        long retry = bucket.retryAtMs(now, n);
        assertThat(retry).isGreaterThan(now);
        bucket.advance(retry - 1);
        assertThat(bucket.hasRoom(n)).isFalse();
        bucket.advance(retry);
        assertThat(bucket.hasRoom(n)).isTrue();
        perTick = perTick.add(big(retry - now).multiply(perTickRate)).min(cap);
        perWindow = perWindow.add(big(retry - now).multiply(perWindowRate)).min(cap);
        now = retry;
      }
      if (!bucket.isFull() && rnd.nextInt(10) == 0) {
        long reset = bucket.resetAtMs(now);
        bucket.advance(reset - 1);
        assertThat(bucket.isFull()).isFalse();
        bucket.advance(reset);
        assertThat(bucket.isFull()).isTrue();
        assertThat(bucket.used()).isZero();
        perTick = cap;
        perWindow = cap;
        now = reset;
      }
    }
  }

  @Property(tries = 50)
  void neverOverflowsAfterLongIdleTimes(
      @ForAll @IntRange(min = 1, max = 1000) int limit, @ForAll @LongRange(min = 0, max = Long.MAX_VALUE / 4) long idle) {
    TokenBucket bucket = new TokenBucket(limit, 2_678_400_000L, 0);
    bucket.take(limit);
    bucket.advance(idle);
    assertThat(bucket.used()).isBetween(0L, (long) limit);
  }

  /**
   * A charge far beyond the level leaves the bucket as deep in debt as it goes instead of wrapping:
   * 1,024 full buckets, or at least one where the exact range holds no more. It admits nothing for
   * more than a window, then refills as usual.
   */
  @Property(tries = 100)
  void aDebtSaturatesAndDeniesForMoreThanAWindow(
      @ForAll @LongRange(min = 1, max = MAX_LIMIT) long limit,
      @ForAll @LongRange(min = 1000, max = MAX_WINDOW_MS) long windowMs,
      @ForAll @LongRange(min = 1, max = (1L << 53) - 1) long charge) {
    long start = 1_700_000_000_000L;
    long ticks = TokenBucket.ticks(windowMs);
    long deepest = TokenBucket.deepestDebt(limit * ticks);
    assertThat(deepest).isBetween(limit * ticks, 1024 * limit * ticks);
    assertThat(limit * ticks + deepest).isLessThanOrEqualTo(1L << 53);
    TokenBucket bucket = new TokenBucket(limit, windowMs, start);
    bucket.take(limit + deepest / ticks + 1); // past the deepest debt
    bucket.take(charge);
    assertThat(bucket.level()).isEqualTo(-deepest);
    assertThat(bucket.used()).isEqualTo(limit - Math.floorDiv(-deepest, ticks)).isGreaterThanOrEqualTo(2 * limit);
    long retry = bucket.retryAtMs(start, 1);
    assertThat(retry).isGreaterThan(start + windowMs);
    bucket.advance(retry - 1);
    assertThat(bucket.hasRoom(1)).isFalse();
    bucket.advance(retry);
    assertThat(bucket.hasRoom(1)).isTrue();
    bucket.advance(bucket.resetAtMs(retry));
    assertThat(bucket.isFull()).isTrue();
  }

  /** The probe's case: 5 x 10^12 tokens recorded against 100 per hour once wrapped the level around. */
  @Test
  void aHugeOverrunOfASmallBucketKeepsItDenying() {
    TokenBucket bucket = new TokenBucket(100, 3_600_000, 0);
    bucket.take(5_000_000_000_000L);
    assertThat(bucket.used()).isEqualTo(100 + 1024 * 100);
    bucket.advance(1024 * 3_600_000L);
    assertThat(bucket.hasRoom(1)).isFalse();
    assertThat(bucket.used()).isGreaterThan(100);
  }

  private static BigInteger big(long v) {
    return BigInteger.valueOf(v);
  }
}
