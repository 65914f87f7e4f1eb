package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Budget;
import dev.quota.Decision;
import dev.quota.Money;
import dev.quota.Policy;
import dev.quota.Quota;
import dev.quota.QuotaListener;
import dev.quota.QuotaRequest;
import dev.quota.admin.MemoryConfigRepository;
import dev.quota.alert.Alert;
import dev.quota.ledger.MemoryLedger;
import dev.quota.store.conformance.MutableClock;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * On a Redis that lost its data, a budget seeded from the ledger alerted again every level its
 * period had already passed: the alert bits lived only in the lost counter. Deleting every key of
 * the test's prefix is the loss.
 */
class AlertsAfterLostRedisTest {
  private final String prefix = "test:alerts:" + UUID.randomUUID() + ":";
  /** The store's clock runs ahead of Redis time by this much, so that tests move both clocks together. */
  private final AtomicLong offsetMs = new AtomicLong();
  private final RedisStore store =
      RedisStore.builder().prefix(prefix).timeout(Duration.ofSeconds(2)).testClockOffset(offsetMs::get).build();
  private final MutableClock clock = midday();
  private final Instant dayStart = clock.instant().truncatedTo(ChronoUnit.DAYS);
  private final List<Alert> alerts = new CopyOnWriteArrayList<>();
  private final Quota quota = Quota.builder().clock(clock).store(store)
      .config(new MemoryConfigRepository()).ledger(new MemoryLedger())
      .listener(new QuotaListener() {
        @Override
        public void onAlert(Alert alert) {
          alerts.add(alert);
        }
      })
      .build();

  /** Noon (UTC) of Redis's day, for both clocks, so that no test crosses into the next budget day. */
  private MutableClock midday() {
    long now = store.nowMs();
    Instant noon = Instant.ofEpochMilli(now).truncatedTo(ChronoUnit.DAYS).plus(Duration.ofHours(12));
    offsetMs.set(noon.toEpochMilli() - now);
    return new MutableClock(noon);
  }

  @AfterEach
  void close() {
    store.deleteAll();
    quota.close(); // closes its store
  }

  /** Redis loses every key of the test, and time goes on. */
  private void loseRedis() {
    store.deleteAll();
    clock.advance(Duration.ofMinutes(10));
    offsetMs.addAndGet(Duration.ofMinutes(10).toMillis());
  }

  /** A daily budget of 1.00 with the default levels (80, 90, 95%). */
  private void dailyBudget() {
    quota.admin().putPolicy(
        Policy.builder("user:*").budget(Budget.of("USD", Money.of("1.00"), null, null)).build(), "admin@test", "t");
  }

  private void spend(String amount) {
    Decision d = quota.reserve(alice(amount));
    assertThat(d.admitted()).isTrue();
    quota.commit(d.reservationId(), Money.of(amount), Map.of());
  }

  private static QuotaRequest alice(String cost) {
    return QuotaRequest.builder().user("alice").estimatedCost(cost).build();
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
