package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.store.conformance.MutableClock;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An admin changes a budget's alert levels, or its limit, in the middle of a period: the levels of
 * the new policy alert when spend reaches them. Counters remembered which positions in the old
 * list of levels had fired, and the new levels at those positions never did.
 */
class AlertsAfterAPolicyChangeTest {
  private final MutableClock clock = Fixtures.clock();
  private final Quota quota = Fixtures.quota(clock);

  @Test
  void levelsMovedInThePeriodAlertWhenReached() throws Exception {
    put("user:*", "1", "0.5");
    quota.record(Fixtures.userCost("ann", "0.60"));
    put("user:*", "1", "0.8");
    quota.record(Fixtures.userCost("ann", "0.30"));

    assertThat(quota.drainAlerts(Duration.ofSeconds(10))).isTrue();
    assertThat(alerts("user:ann")).containsExactlyInAnyOrder("0.5 at 0.6", "0.8 at 0.9");
  }

  @Test
  void aLimitRaisedAfterItWasExhaustedAlertsItsLevelsAgain() throws Exception {
    put("user:*", "1", "0.8");
    quota.record(Fixtures.userCost("bo", "1"));
    put("user:*", "5", "0.8");
    quota.record(Fixtures.userCost("bo", "3.32"));
    quota.record(Fixtures.userCost("bo", "0.68"));

    assertThat(quota.drainAlerts(Duration.ofSeconds(10))).isTrue();
    assertThat(alerts("user:bo"))
        .containsExactlyInAnyOrder("0.8 at 1", "1 at 1", "0.8 at 4.32", "1 at 5");
  }

  private void put(String selector, String daily, String level) {
    quota.admin().putPolicy(Policy.builder(selector).budget(Budget.of("USD", Money.of(daily), null, null))
        .alertThresholds(List.of(new BigDecimal(level))).build(), ADMIN, "levels");
  }

  private List<String> alerts(String subject) {
    return quota.alertHistory().query(subject, null, null, null, 0, 10).stream()
        .map(a -> a.threshold().stripTrailingZeros().toPlainString() + " at " + a.used().stripTrailingZeros().toPlainString())
        .toList();
  }
}
