package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.alert.Alert;
import dev.quota.store.conformance.MutableClock;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A reservation made just before its budget's day ends and committed just after is charged to the
 * day it was made in. The levels that commit pushes that day's counter past alert, naming that
 * day: they were matched against the counters of the day of the commit, found none, and never
 * alerted, while the counter noted them as alerted.
 */
class LateCommitAlertsTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-06-15T23:59:59Z"));
  private final Quota quota = Fixtures.quota(clock);

  @Test
  void aCommitAfterTheDayEndedAlertsTheLevelsItPassedInTheDayItWasReservedIn() throws Exception {
    quota.admin().putPolicy(Policy.builder("user:*").budget(Budget.of("USD", Money.of("10"), null, null))
        .alertThresholds(List.of(new BigDecimal("0.8"), new BigDecimal("0.9"))).build(), ADMIN, "levels");
    Decision d = quota.reserve(QuotaRequest.builder().user("ann").estimatedCost("1").build());
    clock.advance(Duration.ofSeconds(2));
    quota.commit(d.reservationId(), Money.of("9.50"), java.util.Map.of());

    assertThat(quota.drainAlerts(Duration.ofSeconds(10))).isTrue();
    List<String> alerts = quota.alertHistory().query("user:ann", null, null, null, 0, 10).stream()
        .map(LateCommitAlertsTest::describe).toList();
    assertThat(alerts).containsExactlyInAnyOrder(
        "0.8 at 9.5 of 10 daily from 2026-06-15T00:00:00Z", "0.9 at 9.5 of 10 daily from 2026-06-15T00:00:00Z");
  }

  private static String describe(Alert a) {
    return a.threshold().stripTrailingZeros().toPlainString() + " at " + a.used().stripTrailingZeros().toPlainString() + " of "
        + a.limit().stripTrailingZeros().toPlainString() + " " + a.period() + " from " + a.periodStart();
  }
}
