package dev.quota.redis;

import static dev.quota.alert.AlertedLevels.levels;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Quota;
import dev.quota.alert.AlertedLevels;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

/**
 * On a Redis that lost its data, a budget seeded from the ledger alerted again every level its
 * period had already passed: the alert bits lived only in the lost counter. Deleting every key of
 * the test's prefix is the loss.
 */
class AlertsAfterLostRedisTest extends LostRedisEngine {
  private final AlertedLevels alerted = new AlertedLevels(clock.instant().truncatedTo(ChronoUnit.DAYS));
  private final Quota quota = Quota.builder().clock(clock).store(store).config(config).ledger(ledger)
      .listener(alerted).build();

  AlertsAfterLostRedisTest() {
    super("alerts");
  }

  @Override
  Quota quota() {
    return quota;
  }

  @Test
  void anExhaustedBudgetAlertsNothingAgainAfterRedisLostItsData() {
    dailyBudget();
    spend("1.00");
    assertThat(alerted.newLevels()).isEqualTo(levels("0.8", "0.9", "0.95", "1"));

    loseRedis();
    assertThat(quota.record(alice("0.01")).admitted()).isTrue();

    assertThat(alerted.newLevels()).isEmpty();
  }

  @Test
  void afterRedisLostItsDataOnlyALevelNotYetPassedAlertsAndOnlyOnce() {
    dailyBudget();
    spend("0.85");
    assertThat(alerted.newLevels()).isEqualTo(levels("0.8"));

    loseRedis();
    spend("0.01"); // 0.86: past 80% again, which was alerted before the loss
    assertThat(alerted.newLevels()).isEmpty();
    spend("0.05"); // 0.91
    assertThat(alerted.newLevels()).isEqualTo(levels("0.9"));
    spend("0.02"); // 0.93
    assertThat(alerted.newLevels()).isEmpty();
  }
}
