package dev.quota.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * The token bucket against its definition, computed in unbounded rationals: tokens(t) =
 * min(limit, tokens(t0) + (t - t0) * limit / window); a request of n is admitted iff tokens >= n.
 */
class TokenBucketPropertyTest {

  @Property(tries = 300)
  void matchesTheDefinition(
      @ForAll long seed,
      @ForAll @IntRange(min = 1, max = 10_000) int limit,
      @ForAll @LongRange(min = 1000, max = 86_400_000) long windowMs) {
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

  @Property(tries = 50)
  void neverOverflowsAfterLongIdleTimes(
      @ForAll @IntRange(min = 1, max = 1000) int limit, @ForAll @LongRange(min = 0, max = Long.MAX_VALUE / 4) long idle) {
    TokenBucket bucket = new TokenBucket(limit, 2_678_400_000L, 0);
    bucket.take(limit);
    bucket.advance(idle);
    assertThat(bucket.used()).isBetween(0L, (long) limit);
  }
}
