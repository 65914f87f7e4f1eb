package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Budget;
import dev.quota.LimitKind;
import dev.quota.Money;
import dev.quota.Policy;
import dev.quota.Quota;
import dev.quota.QuotaRequest;
import dev.quota.Subject;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * On Redis as in memory, a budget whose time zone an admin changes mid-day keeps the day's spend:
 * the new calendar's counter for the day in progress is rebuilt from the ledger, though Redis has
 * kept its data since long before that day began. The engine and Redis share one moved clock
 * (Redis time plus an offset), so nothing waits for time to pass.
 */
class BudgetCalendarChangeOnRedisTest {
  private final AtomicLong offset = new AtomicLong();
  private final RedisStore store = RedisStore.builder()
      .prefix("qa-e:test:calendar:" + UUID.randomUUID() + ":")
      .timeout(Duration.ofSeconds(2))
      .testClockOffset(offset::get)
      .build();
  private final Quota quota = Quota.builder().clock(new RedisTimeClock(offset)).store(store).build();

  @AfterEach
  void drop() {
    store.deleteAll();
    quota.close();
  }

  private void at(String instant) {
    offset.set(Instant.parse(instant).toEpochMilli() - System.currentTimeMillis());
  }

  private void budget(ZoneId zone) {
    quota.admin().putPolicy(
        Policy.builder("user:*")
            .budget(new Budget("USD", Money.of("1.00"), Money.of("3.00"), null, zone, LocalTime.MIDNIGHT, 1))
            .build(),
        "admin@test", "calendar");
  }

  private BigDecimal dailyUsed() {
    return quota.usage(Subject.of("user", "alice")).stream()
        .filter(l -> l.kind() == LimitKind.BUDGET_DAILY).findFirst().orElseThrow().usedAmount();
  }

  @Test
  void aTimeZoneChangedMidDayKeepsTheSpendOfTheDayInProgress() {
    at("2026-06-14T12:00:00Z");
    budget(ZoneOffset.UTC);
    // Redis starts its epoch here: a day later nothing of it counts as lost.
    assertThat(quota.record(QuotaRequest.builder().user("bob").estimatedCost("0.01").build()).admitted()).isTrue();
    at("2026-06-15T10:00:00Z");
    assertThat(quota.record(QuotaRequest.builder().user("alice").estimatedCost("0.90").build()).admitted()).isTrue();
    at("2026-06-15T15:00:00Z");

    budget(ZoneId.of("America/New_York")); // its day began at 04:00 UTC, before the spend

    assertThat(dailyUsed()).isEqualByComparingTo("0.90");
    assertThat(quota.reserve(QuotaRequest.builder().user("alice").estimatedCost("0.20").build()).admitted()).isFalse();
    assertThat(quota.reserve(QuotaRequest.builder().user("alice").estimatedCost("0.10").build()).admitted()).isTrue();
  }
}
