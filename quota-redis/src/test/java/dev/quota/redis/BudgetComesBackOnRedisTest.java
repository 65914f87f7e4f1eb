package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Budget;
import dev.quota.Decision;
import dev.quota.LimitKind;
import dev.quota.LimitStatus;
import dev.quota.Money;
import dev.quota.Policy;
import dev.quota.Quota;
import dev.quota.Selector;
import dev.quota.Subject;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * On Redis as in memory, a budget that comes back within its period to the counter it had before
 * (its calendar changed and changed back, its policy deleted and created again) holds what was
 * charged meanwhile to the other calendar's counter, or to none: the counter, which Redis kept all
 * along, is caught up from the ledger before anything more is decided on it.
 */
class BudgetComesBackOnRedisTest extends LostRedisEngine {
  private final Quota quota = Quota.builder().clock(clock).store(store).config(config).ledger(ledger).build();

  BudgetComesBackOnRedisTest() {
    super("comeback");
  }

  @Override
  Quota quota() {
    return quota;
  }

  /** A daily budget of 2.00 whose day begins at {@code resetTime} UTC. */
  private void budget(String resetTime) {
    quota.admin().putPolicy(
        Policy.builder("user:*")
            .budget(new Budget("USD", Money.of("2.00"), null, null, ZoneOffset.UTC, LocalTime.parse(resetTime), 1))
            .build(),
        "admin@test", "calendar");
  }

  private void record(String cost) {
    assertThat(quota.record(alice(cost)).admitted()).isTrue();
    advance(Duration.ofMinutes(1));
  }

  private static BigDecimal used(Quota engine) {
    return engine.usage(Subject.of("user", "alice")).stream()
        .filter(l -> l.kind() == LimitKind.BUDGET_DAILY).map(LimitStatus::usedAmount).findFirst().orElseThrow();
  }

  /** Changes the calendar to days begun at 06:00, charges 0.25 there, and changes it back. */
  private void awayAndBack() {
    budget("06:00"); // today began at 06:00: a counter of another name
    advance(Duration.ofMinutes(1));
    record("0.25");
    budget("00:00");
    advance(Duration.ofMinutes(1));
  }

  @Test
  void aCalendarChangedAndChangedBackHoldsWhatWasChargedUnderTheOther() {
    budget("00:00");
    advance(Duration.ofMinutes(1));
    record("1.00");

    awayAndBack();

    assertThat(used(quota)).isEqualByComparingTo("1.25");
    assertThat(quota.reserve(alice("0.80")).admitted()).isFalse(); // would fit at 1.00
    assertThat(quota.reserve(alice("0.75")).admitted()).isTrue();
  }

  @Test
  void aRecordedChargeCatchesTheCounterUpBeforeItIsApplied() {
    budget("00:00");
    advance(Duration.ofMinutes(1));
    record("1.00");

    awayAndBack();

    // The first decision after the change back, taking the short path Redis has for budgets.
    record("0.10");
    assertThat(used(quota)).isEqualByComparingTo("1.35");
  }

  @Test
  void aPolicyDeletedAndCreatedAgainHoldsWhatWasChargedWithoutIt() {
    budget("00:00");
    advance(Duration.ofMinutes(1));
    record("1.00");
    quota.admin().deletePolicy(Selector.parse("user:*"), "admin@test", "gone");
    advance(Duration.ofMinutes(1));
    record("0.25");

    budget("00:00");
    advance(Duration.ofMinutes(1));

    assertThat(used(quota)).isEqualByComparingTo("1.25");
  }

  @Test
  void aReservationOpenAcrossTheChangesCountsOnce() {
    budget("00:00");
    advance(Duration.ofMinutes(1));
    Decision open = quota.reserve(alice("0.50"));
    assertThat(open.admitted()).isTrue();
    record("1.00");

    awayAndBack();

    assertThat(used(quota)).isEqualByComparingTo("1.75"); // its estimate still held
    quota.commit(open.reservationId(), Money.of("0.40"), Map.of());
    assertThat(used(quota)).isEqualByComparingTo("1.65");
  }

  @Test
  void aSecondEngineCatchingUpLaterCountsNothingTwice() {
    Quota other = Quota.builder().clock(clock).config(config).ledger(ledger)
        .store(RedisStore.builder().prefix(prefix).timeout(Duration.ofSeconds(2)).testClockOffset(offsetMs::get).build())
        .build();
    try {
      budget("00:00");
      other.reloadConfig();
      advance(Duration.ofMinutes(1));
      record("1.00");
      budget("06:00");
      other.reloadConfig();
      advance(Duration.ofMinutes(1));
      record("0.25");
      budget("00:00");
      advance(Duration.ofMinutes(1));
      assertThat(used(quota)).isEqualByComparingTo("1.25");
      advance(Duration.ofMinutes(1));

      other.reloadConfig(); // takes the calendar up later: its marker is later than the catch-up

      assertThat(used(other)).isEqualByComparingTo("1.25");
      assertThat(used(quota)).isEqualByComparingTo("1.25");
    } finally {
      other.close();
    }
  }

  @Test
  void aCounterWrittenBeforeDecisionTimesWereKeptCountsAsCurrent() {
    budget("00:00");
    advance(Duration.ofMinutes(1));
    record("1.00");
    budget("06:00");
    advance(Duration.ofMinutes(1));
    record("0.25");
    try (RedisClient client = RedisClient.create("redis://127.0.0.1:6379");
        StatefulRedisConnection<String, String> c = client.connect()) {
      RedisCommands<String, String> redis = c.sync();
      // As an earlier version left it: no time of last decision, so nothing says it is behind.
      for (String key : redis.keys(prefix + "*")) {
        if (redis.type(key).equals("hash") && redis.hexists(key, "u")) {
          redis.hdel(key, "d");
        }
      }
      budget("00:00");
      advance(Duration.ofMinutes(1));

      assertThat(used(quota)).isEqualByComparingTo("1.00");
      record("0.10");
      assertThat(used(quota)).isEqualByComparingTo("1.10");
      long kept = redis.keys(prefix + "*").stream()
          .filter(key -> redis.type(key).equals("hash") && redis.hexists(key, "u") && redis.hexists(key, "d"))
          .count();
      assertThat(kept).isEqualTo(1); // the decision gave the counter it charged a time
    }
  }
}
