package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Budget;
import dev.quota.Decision;
import dev.quota.LimitKind;
import dev.quota.Money;
import dev.quota.Policy;
import dev.quota.Quota;
import dev.quota.QuotaRequest;
import dev.quota.Subject;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * On Redis as in memory, a call that gives no estimate under a per-request cap holds the cap, and
 * its commit replaces the hold with the actual cost.
 */
class PerRequestCapOnRedisTest {
  private RedisStore store;
  private Quota quota;

  @BeforeEach
  void open() {
    store = RedisStore.builder().prefix("test:cap:" + UUID.randomUUID() + ":").timeout(Duration.ofSeconds(2)).build();
    quota = Quota.builder().store(store).build();
    quota.admin().putPolicy(
        Policy.builder("user:*").budget(Budget.of("USD", Money.of("2.50"), null, Money.of("1.00"))).build(),
        "admin@test", "caps");
  }

  @AfterEach
  void drop() {
    store.deleteAll();
    quota.close(); // closes the store too
  }

  @Test
  void callsOfUnknownCostHoldTheCapAndCommitTheirActualCost() {
    QuotaRequest unknownCost = QuotaRequest.builder().user("ann").build();
    Decision first = quota.reserve(unknownCost);
    assertThat(quota.reserve(unknownCost).admitted()).isTrue();
    assertThat(dailyUsed("ann")).isEqualByComparingTo("2.00");
    assertThat(quota.reserve(unknownCost).admitted()).isFalse(); // 0.50 left, under the cap

    quota.commit(first.reservationId(), Money.of("0.25"), Map.of());
    assertThat(dailyUsed("ann")).isEqualByComparingTo("1.25");
    assertThat(quota.reserve(unknownCost).admitted()).isTrue();
  }

  private java.math.BigDecimal dailyUsed(String user) {
    return quota.usage(Subject.of("user", user)).stream()
        .filter(l -> l.kind() == LimitKind.BUDGET_DAILY).findFirst().orElseThrow().usedAmount();
  }
}
