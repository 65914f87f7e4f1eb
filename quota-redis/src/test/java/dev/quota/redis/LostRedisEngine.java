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

/**
 * An engine on Redis whose data a test can lose (deleting every key of its prefix is the loss),
 * with the durable parts every server shares, and an engine clock that moves together with the
 * store's: both start at noon of Redis's day, so that no test crosses into the next budget day.
 */
abstract class LostRedisEngine {
  final String prefix;
  /** The store's clock runs ahead of Redis time by this much, so that tests move both clocks together. */
  final AtomicLong offsetMs = new AtomicLong();
  final RedisStore store;
  final MutableClock clock;
  final MemoryConfigRepository config = new MemoryConfigRepository();
  final MemoryLedger ledger = new MemoryLedger();

  LostRedisEngine(String name) {
    prefix = "test:" + name + ":" + UUID.randomUUID() + ":";
    store = RedisStore.builder().prefix(prefix).timeout(Duration.ofSeconds(2)).testClockOffset(offsetMs::get).build();
    long now = store.nowMs();
    Instant noon = Instant.ofEpochMilli(now).truncatedTo(ChronoUnit.DAYS).plus(Duration.ofHours(12));
    offsetMs.set(noon.toEpochMilli() - now);
    clock = new MutableClock(noon);
  }

  /** The engine under test, on {@link #store}; closed, with the store, after each test. */
  abstract Quota quota();

  @AfterEach
  void deleteKeysAndClose() {
    store.deleteAll();
    quota().close(); // closes its store
  }

  void advance(Duration d) {
    clock.advance(d);
    offsetMs.addAndGet(d.toMillis());
  }

  /** Redis loses every key of the test, and ten minutes pass. */
  void loseRedis() {
    store.deleteAll();
    advance(Duration.ofMinutes(10));
  }

  /** A daily budget of 1.00 for every user, with the default alert levels (80, 90, 95%). */
  void dailyBudget() {
    quota().admin().putPolicy(
        Policy.builder("user:*").budget(Budget.of("USD", Money.of("1.00"), null, null)).build(), "admin@test", "t");
  }

  /** Alice reserves {@code amount} and commits it. */
  void spend(String amount) {
    Decision d = quota().reserve(alice(amount));
    assertThat(d.admitted()).isTrue();
    quota().commit(d.reservationId(), Money.of(amount), Map.of());
  }

  /** What alice's daily budget holds now, read through the engine (which rebuilds it if Redis lost it). */
  BigDecimal usedToday() {
    return quota().usage(Subject.of("user", "alice")).stream()
        .filter(l -> l.kind() == LimitKind.BUDGET_DAILY)
        .map(LimitStatus::usedAmount)
        .findFirst()
        .orElseThrow();
  }

  static QuotaRequest alice(String cost) {
    return QuotaRequest.builder().user("alice").estimatedCost(cost).build();
  }
}
