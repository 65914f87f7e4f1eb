package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.alert.Alert;
import dev.quota.store.conformance.MutableClock;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An admin changes a budget's limit or alert levels while a reservation is held. Its commit is
 * judged by the store against the levels the reservation was made under, and the levels it reports
 * crossed are positions in that list. Read in the policy now in force they named a level it no
 * longer has (the commit, already charged and ledgered, then failed) or another level and limit
 * than the counter was charged against (an alert of 95% of 100 at 9.50).
 */
class CommitAlertsAfterAPolicyChangeTest {
  private final MutableClock clock = Fixtures.clock();
  private final Quota quota = Fixtures.quota(clock);

  @Test
  void aCommitAfterLevelsWereRemovedIsSettledAndAlertsOnlyTheLevelsStillInForce() throws Exception {
    put("10", "0.5", "0.8", "0.9");
    Decision d = reserve("ann");
    put("10", "0.5");
    clock.advance(Duration.ofSeconds(1));

    Settled settled = quota.commit(d.reservationId(), Money.of("9.50"), Map.of());

    assertThat(settled.charged()).isEqualTo(Money.of("9.50"));
    assertThat(alerts("user:ann")).containsExactly("0.5 at 9.5 of 10");
  }

  @Test
  void aCommitAfterTheLimitWasRaisedAlertsNoLevelItsSpendDoesNotReach() throws Exception {
    put("10", "0.8");
    Decision d = reserve("bo");
    put("100", "0.95");
    clock.advance(Duration.ofSeconds(1));

    quota.commit(d.reservationId(), Money.of("9"), Map.of());
    quota.record(Fixtures.userCost("bo", "86"));

    assertThat(alerts("user:bo")).containsExactly("0.95 at 95 of 100");
  }

  private Decision reserve(String user) {
    Decision d = quota.reserve(QuotaRequest.builder().user(user).estimatedCost("1").build());
    assertThat(d.admitted()).isTrue();
    return d;
  }

  private void put(String daily, String... levels) {
    quota.admin().putPolicy(Policy.builder("user:*").budget(Budget.of("USD", Money.of(daily), null, null))
        .alertThresholds(Arrays.stream(levels).map(BigDecimal::new).toList()).build(), ADMIN, "levels");
  }

  private List<String> alerts(String subject) throws InterruptedException {
    assertThat(quota.drainAlerts(Duration.ofSeconds(10))).isTrue();
    return quota.alertHistory().query(subject, null, null, null, 0, 10).stream().map(CommitAlertsAfterAPolicyChangeTest::describe).toList();
  }

  private static String describe(Alert a) {
    return a.threshold().stripTrailingZeros().toPlainString() + " at " + a.used().stripTrailingZeros().toPlainString() + " of "
        + a.limit().stripTrailingZeros().toPlainString();
  }
}
