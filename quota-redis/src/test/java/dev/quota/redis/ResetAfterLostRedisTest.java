package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Decision;
import dev.quota.Money;
import dev.quota.Quota;
import dev.quota.Subject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * On a Redis that lost its data (flushed, or restarted without persistence) every budget of the
 * period is seeded from the ledger; an admin reset must hold through that seed, whether it came
 * before the loss or after it. Deleting every key of the test's prefix is the loss.
 */
class ResetAfterLostRedisTest extends LostRedisEngine {
  private final Quota quota = server(store);

  ResetAfterLostRedisTest() {
    super("reset");
  }

  @Override
  Quota quota() {
    return quota;
  }

  private Quota server(RedisStore redis) {
    return Quota.builder().clock(clock).store(redis).config(config).ledger(ledger).build();
  }

  @Test
  void aResetAfterRedisLostItsDataFreesTheWholeBudget() {
    dailyBudget();
    spend("0.60");
    loseRedis();
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

    loseRedis();

    assertThat(usedToday()).isEqualByComparingTo("0.25");
    assertThat(quota.reserve(alice("0.76")).admitted()).isFalse();
    assertThat(quota.reserve(alice("0.75")).admitted()).isTrue();
  }

  /**
   * A reservation open across the reset and committed after it was charged to no counter of
   * Alice's (the reset forgave it); the seed used to count it again, by the time of its commit.
   */
  @Test
  void aReservationOpenAcrossTheResetIsNotSeededBackAfterItsCommit() {
    dailyBudget();
    Decision open = quota.reserve(alice("0.40"));
    assertThat(open.admitted()).isTrue();
    advance(Duration.ofMinutes(2));
    quota.admin().resetSubject(Subject.of("user", "alice"), "admin@test", "support ticket");
    advance(Duration.ofMinutes(1));
    spend("0.25");
    quota.commit(open.reservationId(), Money.of("0.35"), Map.of());
    assertThat(usedToday()).isEqualByComparingTo("0.25");

    loseRedis();

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
