package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A replaced policy's rate limit keeps its count while its meter, window and algorithm stay: a
 * lowered limit refuses at once. Another window or algorithm counts afresh, in its own counter.
 */
class RateLimitChangeTest {
  private final Quota quota = Fixtures.quota(Fixtures.clock());

  private void limit(RateLimit r) {
    quota.admin().putPolicy(Policy.builder("user:*").rateLimit(r).build(), ADMIN, "change");
  }

  private int admitted(int calls) {
    int n = 0;
    for (int i = 0; i < calls; i++) {
      n += quota.reserve(Fixtures.user("a")).admitted() ? 1 : 0;
    }
    return n;
  }

  @Test
  void aNewLimitKeepsTheCountAndANewWindowOrAlgorithmStartsAfresh() {
    limit(RateLimit.perWindow(5, Duration.ofMinutes(1)));
    assertThat(admitted(3)).isEqualTo(3);
    limit(RateLimit.perWindow(3, Duration.ofMinutes(1)));
    assertThat(admitted(1)).isZero();
    limit(RateLimit.perWindow(4, Duration.ofMinutes(1)));
    assertThat(admitted(2)).isEqualTo(1);

    limit(new RateLimit(RateLimit.REQUESTS, 4, Duration.ofMinutes(1), Algorithm.TOKEN_BUCKET));
    assertThat(admitted(5)).isEqualTo(4); // a full bucket of its own
    limit(RateLimit.perWindow(4, Duration.ofMinutes(2)));
    assertThat(admitted(5)).isEqualTo(4); // an empty window of its own
    limit(RateLimit.perWindow(5, Duration.ofMinutes(1)));
    assertThat(admitted(2)).isEqualTo(1); // the first window's counter, with the four it counted
  }
}
