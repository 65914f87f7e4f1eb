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
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A reservation retried under its idempotency key gets the first admission's answer on any server,
 * even one that has already taken up a lower per-request cap than the server that admitted it, as
 * a retry does after a rate limit was lowered: the call was admitted and holds its estimate. A
 * request the lower cap refuses claims no key. On one Redis and on Redis Cluster alike.
 */
class RetryUnderALowerCapTest {
  private final String prefix = "test:retry-cap:" + UUID.randomUUID() + ":";

  @Test
  void onOneRedis() {
    aRetryOnAServerWithALowerCapGetsTheFirstAdmission(store(null), store(null));
  }

  @Test
  void onRedisCluster() throws Exception {
    try (RedisClusterProcess cluster = new RedisClusterProcess()) {
      aRetryOnAServerWithALowerCapGetsTheFirstAdmission(store(cluster.uri()), store(cluster.uri()));
    }
  }

  private RedisStore store(String uri) {
    RedisStore.Builder b = RedisStore.builder().prefix(prefix).timeout(Duration.ofSeconds(2));
    return (uri == null ? b : b.uri(uri)).build();
  }

  private static void aRetryOnAServerWithALowerCapGetsTheFirstAdmission(RedisStore storeA, RedisStore storeB) {
    Quota before = Quota.builder().store(storeA).build();
    // Behind Redis's clock, so that the counters it finds are never older than its configuration.
    Quota after = Quota.builder().store(storeB).clock(Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-3))).build();
    try {
      before.admin().putPolicy(capped("1.50"), "admin@test", "cap");
      after.admin().putPolicy(capped("0.50"), "admin@test", "lower cap");
      QuotaRequest request = QuotaRequest.builder().user("ann").estimatedCost("1.00").idempotencyKey("call-7").build();
      Decision first = before.reserve(request);
      assertThat(first.admitted()).isTrue();

      Decision retried = after.reserve(request);

      assertThat(retried.admitted()).isTrue();
      assertThat(retried.replayed()).isTrue();
      assertThat(retried.reservationId()).isEqualTo(first.reservationId());
      assertThat(dailyUsed(after)).isEqualByComparingTo("1.00");
      QuotaRequest fresh = QuotaRequest.builder().user("ann").estimatedCost("1.00").idempotencyKey("call-8").build();
      assertThat(after.reserve(fresh).admitted()).isFalse();
      Decision elsewhere = before.reserve(fresh);
      assertThat(elsewhere.admitted()).isTrue();
      assertThat(elsewhere.replayed()).isFalse();
      assertThat(dailyUsed(after)).isEqualByComparingTo("2.00");
    } finally {
      storeA.deleteAll();
      before.close(); // closes its store
      after.close();
    }
  }

  /** A daily budget with a per-request cap for each user. */
  private static Policy capped(String perRequest) {
    return Policy.builder("user:*").budget(Budget.of("USD", Money.of("10.00"), null, Money.of(perRequest))).build();
  }

  private static BigDecimal dailyUsed(Quota quota) {
    return quota.usage(Subject.of("user", "ann")).stream()
        .filter(l -> l.kind() == LimitKind.BUDGET_DAILY).findFirst().orElseThrow().usedAmount();
  }
}
