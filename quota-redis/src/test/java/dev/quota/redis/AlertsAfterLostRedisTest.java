package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Quota;
import dev.quota.QuotaListener;
import dev.quota.alert.Alert;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * On a Redis that lost its data, a budget seeded from the ledger alerted again every level its
 * period had already passed: the alert bits lived only in the lost counter. Deleting every key of
 * the test's prefix is the loss.
 */
class AlertsAfterLostRedisTest extends LostRedisEngine {
  private final Instant dayStart = clock.instant().truncatedTo(ChronoUnit.DAYS);
  private final List<Alert> alerts = new CopyOnWriteArrayList<>();
  private final Quota quota = Quota.builder().clock(clock).store(store).config(config).ledger(ledger)
      .listener(new QuotaListener() {
        @Override
        public void onAlert(Alert alert) {
          alerts.add(alert);
        }
      })
      .build();

  AlertsAfterLostRedisTest() {
    super("alerts");
  }

  @Override
  Quota quota() {
    return quota;
  }

  /** The levels alerted since the last call, and forgets them. */
  private List<BigDecimal> newAlerts() {
    List<BigDecimal> levels = alerts.stream().map(a -> a.threshold().stripTrailingZeros()).toList();
    assertThat(alerts).allSatisfy(a -> assertThat(a.periodStart()).isEqualTo(dayStart));
    alerts.clear();
    return levels;
  }

  private static List<BigDecimal> levels(String... values) {
    return Arrays.stream(values).map(v -> new BigDecimal(v).stripTrailingZeros()).toList();
  }

  @Test
  void anExhaustedBudgetAlertsNothingAgainAfterRedisLostItsData() {
    dailyBudget();
    spend("1.00");
    assertThat(newAlerts()).isEqualTo(levels("0.8", "0.9", "0.95", "1"));

    loseRedis();
    assertThat(quota.record(alice("0.01")).admitted()).isTrue();

    assertThat(newAlerts()).isEmpty();
  }

  @Test
  void afterRedisLostItsDataOnlyALevelNotYetPassedAlertsAndOnlyOnce() {
    dailyBudget();
    spend("0.85");
    assertThat(newAlerts()).isEqualTo(levels("0.8"));

    loseRedis();
    spend("0.01"); // 0.86: past 80% again, which was alerted before the loss
    assertThat(newAlerts()).isEmpty();
    spend("0.05"); // 0.91
    assertThat(newAlerts()).isEqualTo(levels("0.9"));
    spend("0.02"); // 0.93
    assertThat(newAlerts()).isEmpty();
  }
}
