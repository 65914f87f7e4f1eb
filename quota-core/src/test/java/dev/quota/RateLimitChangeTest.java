package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.store.conformance.MutableClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A replaced policy's rate limit keeps its count while its meter, window and algorithm stay: a
 * lowered limit refuses at once. Another window or algorithm counts in a counter of its own, which
 * starts from what the limit it replaced counts as used, so a change never hands out a fresh allowance.
 */
class RateLimitChangeTest {
  private final MutableClock clock = Fixtures.clock();
  private final Quota quota = Fixtures.quota(clock);

  private void limit(RateLimit r) {
    quota.admin().putPolicy(Policy.builder("user:*").rateLimit(r).build(), ADMIN, "change");
  }

  private static RateLimit bucket(long limit, Duration window) {
    return new RateLimit(RateLimit.REQUESTS, limit, window, Algorithm.TOKEN_BUCKET);
  }

  private int admitted(String user, int calls) {
    int n = 0;
    for (int i = 0; i < calls; i++) {
      n += quota.reserve(Fixtures.user(user)).admitted() ? 1 : 0;
    }
    return n;
  }

  private int admitted(int calls) {
    return admitted("a", calls);
  }

  @Test
  void aNewLimitKeepsTheCountAndANewWindowOrAlgorithmCarriesItOver() {
    limit(RateLimit.perWindow(5, Duration.ofMinutes(1)));
    assertThat(admitted(3)).isEqualTo(3);
    limit(RateLimit.perWindow(3, Duration.ofMinutes(1)));
    assertThat(admitted(1)).isZero();
    limit(RateLimit.perWindow(4, Duration.ofMinutes(1)));
    assertThat(admitted(2)).isEqualTo(1);

    limit(bucket(4, Duration.ofMinutes(1)));
    assertThat(admitted(5)).isZero(); // a bucket holding what the window had left: nothing
    limit(RateLimit.perWindow(4, Duration.ofMinutes(2)));
    assertThat(admitted(5)).isZero(); // a window counting the four already
    limit(RateLimit.perWindow(5, Duration.ofMinutes(1)));
    assertThat(admitted(2)).isEqualTo(1); // the first window's counter, with the four it counted
  }

  @Test
  void aWindowTurnedIntoABucketLeavesTheBucketWhatTheWindowHadLeft() {
    limit(RateLimit.perWindow(100, Duration.ofMinutes(1)));
    assertThat(admitted(60)).isEqualTo(60);
    limit(bucket(100, Duration.ofMinutes(1)));
    assertThat(admitted(100)).isEqualTo(40);
  }

  @Test
  void aLongerWindowCountsWhatTheShorterOneCounted() {
    limit(RateLimit.perWindow(100, Duration.ofMinutes(1)));
    assertThat(admitted(100)).isEqualTo(100);
    limit(RateLimit.perWindow(1000, Duration.ofHours(1)));
    assertThat(admitted(1000)).isEqualTo(900);
    clock.advance(Duration.ofMinutes(59));
    assertThat(admitted(1)).isZero(); // the carried hundred stays in the hour's window
    clock.advance(Duration.ofMinutes(1).plusSeconds(1));
    assertThat(admitted(1)).isEqualTo(1);
  }

  @Test
  void aShorterWindowCountsOnlyWhatTheLongerOneCountedWithinIt() {
    limit(RateLimit.perWindow(1000, Duration.ofHours(1)));
    assertThat(admitted(500)).isEqualTo(500);
    clock.advance(Duration.ofMinutes(2));
    assertThat(admitted(30)).isEqualTo(30);
    clock.advance(Duration.ofSeconds(30));
    limit(RateLimit.perWindow(100, Duration.ofMinutes(1)));
    assertThat(admitted(100)).isEqualTo(70); // the thirty of the last minute count, the five hundred before not
  }

  @Test
  void aBucketTurnedIntoAWindowCountsWhatTheBucketLacked() {
    limit(bucket(10, Duration.ofMinutes(1)));
    assertThat(admitted(10)).isEqualTo(10);
    clock.advance(Duration.ofSeconds(30)); // five tokens back
    limit(RateLimit.perWindow(10, Duration.ofMinutes(1)));
    assertThat(admitted(10)).isEqualTo(5);
  }

  @Test
  void aLimitChangedTwiceCarriesFromTheFirstWhenTheSecondWasNeverUsed() {
    limit(RateLimit.perWindow(10, Duration.ofMinutes(1)));
    assertThat(admitted(8)).isEqualTo(8);
    limit(bucket(10, Duration.ofMinutes(1)));
    limit(RateLimit.perWindow(10, Duration.ofMinutes(2)));
    assertThat(admitted(10)).isEqualTo(2);
  }

  @Test
  void aReplacedLimitIsKeptAcrossReloadsOfOtherPolicies() {
    limit(RateLimit.perWindow(10, Duration.ofMinutes(1)));
    assertThat(admitted(10)).isEqualTo(10);
    limit(bucket(10, Duration.ofMinutes(1)));
    quota.admin().putPolicy(
        Policy.builder("team:*").rateLimit(RateLimit.perWindow(5, Duration.ofMinutes(1))).build(), ADMIN, "another");
    clock.advance(Duration.ofSeconds(30));
    assertThat(admitted(10)).isZero(); // the window still counts its ten
  }

  @Test
  void eachSubjectCarriesItsOwnUse() {
    limit(RateLimit.perWindow(10, Duration.ofMinutes(1)));
    assertThat(admitted("a", 10)).isEqualTo(10);
    assertThat(admitted("b", 3)).isEqualTo(3);
    limit(bucket(10, Duration.ofMinutes(1)));
    assertThat(admitted("a", 10)).isZero();
    assertThat(admitted("b", 10)).isEqualTo(7);
    assertThat(admitted("c", 20)).isEqualTo(10);
  }

  @Test
  void aReplacedLimitWhoseWindowHasPassedCarriesNothing() {
    limit(RateLimit.perWindow(10, Duration.ofMinutes(1)));
    assertThat(admitted(10)).isEqualTo(10);
    limit(bucket(10, Duration.ofMinutes(1)));
    clock.advance(Duration.ofMinutes(1).plusMillis(1));
    assertThat(admitted(20)).isEqualTo(10);
  }
}
