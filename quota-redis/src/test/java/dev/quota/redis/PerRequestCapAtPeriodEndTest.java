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
import dev.quota.store.conformance.MutableClock;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An engine whose clock runs ahead of Redis's compiles a call for the next day's budgets while Redis
 * is still in the day before; Redis answers with its time and the engine compiles again. A call
 * over a per-request cap is refused on every attempt, whenever the day turns between them.
 */
class PerRequestCapAtPeriodEndTest {
  private static final Instant MIDNIGHT = LocalDate.now(ZoneOffset.UTC).plusDays(2).atStartOfDay(ZoneOffset.UTC).toInstant();
  /** The Redis times the store's calls run at, in turn; the last one stays. */
  private final Deque<Instant> redisTimes = new ArrayDeque<>();
  private final RedisStore store = RedisStore.builder()
      .prefix("test:cap-midnight:" + UUID.randomUUID() + ":").timeout(Duration.ofSeconds(2))
      .testClockOffset(this::nextOffset).build();
  private final MutableClock engineClock = new MutableClock(MIDNIGHT.minus(Duration.ofHours(1)));
  private final Quota quota = Quota.builder().store(store).clock(engineClock).build();

  private synchronized long nextOffset() {
    Instant at = redisTimes.size() > 1 ? redisTimes.poll() : redisTimes.peek();
    return at == null ? 0 : at.toEpochMilli() - System.currentTimeMillis(); // none set yet: Redis's own time
  }

  private synchronized void redisRunsAt(Instant... times) {
    redisTimes.clear();
    redisTimes.addAll(java.util.List.of(times));
  }

  @AfterEach
  void drop() {
    store.deleteAll();
    quota.close(); // closes the store too
  }

  @Test
  void aCallOverTheCapIsRefusedWhenTheDayTurnsBetweenAttempts() {
    redisRunsAt(MIDNIGHT.minus(Duration.ofHours(1)));
    quota.admin().putPolicy(
        Policy.builder("user:*").budget(Budget.of("USD", Money.of("10.00"), null, Money.of("1.00"))).build(),
        "admin@test", "cap");
    assertThat(quota.reserve(QuotaRequest.builder().user("bob").estimatedCost("0.10").build()).admitted()).isTrue();

    // The engine's day has begun; Redis's begins between the engine's first call and its next.
    engineClock.advance(Duration.ofMinutes(60).plusMillis(500));
    redisRunsAt(MIDNIGHT.minusMillis(700), MIDNIGHT.plusMillis(300));
    Decision over = quota.reserve(QuotaRequest.builder().user("ann").estimatedCost("1.50").build());

    assertThat(over.admitted()).isFalse();
    assertThat(over.reservationId()).isNull();
    assertThat(dailyUsed("ann")).isEqualByComparingTo("0");
  }

  private BigDecimal dailyUsed(String user) {
    return quota.usage(Subject.of("user", user)).stream()
        .filter(l -> l.kind() == LimitKind.BUDGET_DAILY).findFirst().orElseThrow().usedAmount();
  }
}
