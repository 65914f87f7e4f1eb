package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Budget;
import dev.quota.Decision;
import dev.quota.LimitKind;
import dev.quota.LimitStatus;
import dev.quota.Money;
import dev.quota.Policy;
import dev.quota.Quota;
import dev.quota.QuotaRequest;
import dev.quota.Subject;
import dev.quota.admin.MemoryConfigRepository;
import dev.quota.ledger.MemoryLedger;
import dev.quota.store.conformance.MutableClock;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * On a Redis that lost its data (flushed, or restarted without persistence) every budget of the
 * period is seeded from the ledger; an admin reset must hold through that seed, whether it came
 * before the loss or after it. Deleting every key of the test's prefix is the loss.
 */
class ResetAfterLostRedisTest {
  private final String prefix = "test:reset:" + UUID.randomUUID() + ":";
  /** The store's clock runs ahead of Redis time by this much, so that tests move both clocks together. */
  private final AtomicLong offsetMs = new AtomicLong();
  private final RedisStore store =
      RedisStore.builder().prefix(prefix).timeout(Duration.ofSeconds(2)).testClockOffset(offsetMs::get).build();
  private final MutableClock clock = midday();
  /** The durable parts every server shares. */
  private final MemoryConfigRepository config = new MemoryConfigRepository();
  private final MemoryLedger ledger = new MemoryLedger();
  private final Quota quota = server(store);

  /** Noon (UTC) of Redis's day, for both clocks, so that no test crosses into the next budget day. */
  private MutableClock midday() {
    long now = store.nowMs();
    Instant noon = Instant.ofEpochMilli(now).truncatedTo(ChronoUnit.DAYS).plus(Duration.ofHours(12));
    offsetMs.set(noon.toEpochMilli() - now);
    return new MutableClock(noon);
  }

  private Quota server(RedisStore redis) {
    return Quota.builder().clock(clock).store(redis).config(config).ledger(ledger).build();
  }

  @AfterEach
  void close() {
    store.deleteAll();
    quota.close(); // closes its store
  }

  private void advance(Duration d) {
    clock.advance(d);
    offsetMs.addAndGet(d.toMillis());
  }

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

  private BigDecimal usedToday() {
    return quota.usage(Subject.of("user", "alice")).stream()
        .filter(l -> l.kind() == LimitKind.BUDGET_DAILY)
        .map(LimitStatus::usedAmount)
        .findFirst()
        .orElseThrow();
  }

  @Test
  void aResetAfterRedisLostItsDataFreesTheWholeBudget() {
    dailyBudget();
    spend("0.60");
    store.deleteAll();
    advance(Duration.ofMinutes(10));
    assertThat(usedToday()).isEqualByComparingTo("0.60"); // seeded back from the ledger

    quota.admin().resetSubject(Subject.of("user", "alice"), "admin@test", "support ticket");

    assertThat(usedToday()).isEqualByComparingTo("0");
    assertThat(quota.reserve(alice("0.90")).admitted()).isTrue();
  }

  @Test
  void aResetBeforeRedisLostItsDataStillHoldsAfterTheSeed() {
    dailyBudget();
    spend("0.30");
    advance(Duration.ofMinutes(10));
    quota.admin().resetSubject(Subject.of("user", "alice"), "admin@test", "support ticket");
    assertThat(usedToday()).isEqualByComparingTo("0");
    advance(Duration.ofMinutes(10));
    spend("0.25");

    store.deleteAll();
    advance(Duration.ofMinutes(10));

    assertThat(usedToday()).isEqualByComparingTo("0.25");
    assertThat(quota.reserve(alice("0.76")).admitted()).isFalse();
    assertThat(quota.reserve(alice("0.75")).admitted()).isTrue();
  }

  /** Another server sees the reset before its next reload: the reset deleted the counter it rebuilds. */
  @Test
  void aResetOnOneServerHoldsWhenAnotherRebuildsTheBudget() {
    dailyBudget();
    spend("0.60");
    store.deleteAll();
    try (Quota other = server(RedisStore.builder().prefix(prefix).timeout(Duration.ofSeconds(2))
        .testClockOffset(offsetMs::get).build())) {
      assertThat(other.check(alice("0.50")).admitted()).isFalse(); // seeded with 0.60
      advance(Duration.ofMinutes(10));

      quota.admin().resetSubject(Subject.of("user", "alice"), "admin@test", "support ticket");

      assertThat(other.check(alice("1.00")).admitted()).isTrue();
    }
  }
}
