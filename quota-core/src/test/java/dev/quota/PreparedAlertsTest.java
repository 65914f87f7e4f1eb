package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.store.conformance.MutableClock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Prepared calls on one thread share where their budgets note crossed thresholds: each still fires its own, once. */
class PreparedAlertsTest {
  private final MutableClock clock = Fixtures.clock();
  private final Quota quota = Fixtures.quota(clock);

  @Test
  void interleavedPreparedCallsFireEachTheirOwnThresholdsOnce() throws Exception {
    quota.admin().putPolicy(Policy.builder("user:*").budget(Budget.of("USD", Money.of("1"), null, null)).build(), ADMIN, "t");
    quota.admin().putPolicy(Policy.builder("team:*").rateLimit(1000, Duration.ofMinutes(1))
        .budget(Budget.of("USD", Money.of("10"), null, null)).build(), ADMIN, "t");
    PreparedRequest alice = quota.prepare(Fixtures.userCost("alice", "0.3"));
    PreparedRequest search = quota.prepare(QuotaRequest.builder().team("search").estimatedCost("1").build());

    for (int i = 0; i < 4; i++) {
      // alice reaches 0.9 of her budget on her third call (0.8 and 0.9 at once) and is refused on the fourth;
      // the team reaches 0.8 and 0.9 on its eighth and ninth calls.
      alice.tryAcquire();
      search.tryAcquire();
      search.tryAcquire();
    }
    search.tryAcquire();

    assertThat(quota.drainAlerts(Duration.ofSeconds(10))).isTrue();
    assertThat(thresholds("user:alice")).containsExactlyInAnyOrder("0.8 at 0.9", "0.9 at 0.9");
    assertThat(thresholds("team:search")).containsExactlyInAnyOrder("0.8 at 8", "0.9 at 9");
  }

  private List<String> thresholds(String subject) {
    return quota.alertHistory().query(subject, null, null, null, 0, 10).stream()
        .map(a -> a.threshold().toPlainString() + " at " + a.used().toPlainString())
        .toList();
  }
}
