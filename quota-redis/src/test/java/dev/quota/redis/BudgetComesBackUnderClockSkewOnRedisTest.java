package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Budget;
import dev.quota.Money;
import dev.quota.Policy;
import dev.quota.Quota;
import dev.quota.Selector;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/**
 * A budget that comes back to a counter it had before is caught up if nothing was decided on that
 * counter since the engines took up their budget calendars. Redis dates the counter's last decision
 * and the ledger's rows, so the take-up must be dated by Redis time too: an engine minutes off
 * Redis's clock would otherwise pass a counter that missed what was charged under the other
 * calendar for current, and let the budget be spent again.
 */
class BudgetComesBackUnderClockSkewOnRedisTest extends LostRedisEngine {
  private static final Duration SKEW = Duration.ofMinutes(5);
  private final Quota quota = Quota.builder().clock(clock).store(store).config(config).ledger(ledger).build();

  BudgetComesBackUnderClockSkewOnRedisTest() {
    super("comeback-skew");
  }

  @Override
  Quota quota() {
    return quota;
  }

  @Test
  void anEngineAheadOfRedisHoldsWhatWasChargedUnderTheOtherCalendar() {
    clock.advance(SKEW); // the engine's clock alone: it runs ahead of Redis's
    theBudgetHoldsWhatWasChargedUnderTheOtherCalendar();
  }

  @Test
  void anEngineBehindRedisHoldsWhatWasChargedUnderTheOtherCalendar() {
    offsetMs.addAndGet(SKEW.toMillis()); // Redis's clock alone: the engine's runs behind it
    theBudgetHoldsWhatWasChargedUnderTheOtherCalendar();
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
  }

  /** 1.00 spent, the calendar changed, 0.25 spent, changed back, a minute apart: the budget holds 1.25. */
  private void theBudgetHoldsWhatWasChargedUnderTheOtherCalendar() {
    budget("00:00");
    record("1.00");
    advance(Duration.ofMinutes(1));
    budget("06:00"); // today began at 06:00: a counter of another name
    advance(Duration.ofMinutes(1));
    record("0.25");
    advance(Duration.ofMinutes(1));

    budget("00:00"); // back to the counter that holds 1.00 only

    assertThat(usedToday()).isEqualByComparingTo("1.25");
    assertThat(quota.reserve(alice("0.80")).admitted()).isFalse(); // would fit at 1.00
    assertThat(quota.reserve(alice("0.75")).admitted()).isTrue();
  }

  /** An override ends at its expiry by Redis's clock; the budget it hands back is compared with that end. */
  @Test
  void anEngineAheadOfRedisCatchesUpABudgetHandedBackByAnOverrideWhenItComesBackAgain() {
    clock.advance(SKEW);
    budget("00:00");
    record("1.00");
    advance(Duration.ofMinutes(1));
    quota.admin().createOverride(
        Selector.parse("user:alice"),
        Policy.builder("user:alice")
            .budget(new Budget("USD", Money.of("2.00"), null, null, ZoneOffset.UTC, LocalTime.parse("06:00"), 1))
            .build(),
        // Ends 6 minutes from now by Redis, after its creation by the engine's clock, 5 minutes ahead.
        clock.instant().minus(SKEW).plus(Duration.ofMinutes(6)), "admin@test", "trial");
    advance(Duration.ofMinutes(1));
    record("0.25"); // to the override's day, begun at 06:00
    advance(Duration.ofMinutes(5)); // the override has ended
    assertThat(usedToday()).isEqualByComparingTo("1.25");
    advance(Duration.ofMinutes(1));
    budget("03:00"); // a day begun at 03:00, seeded from the ledger
    advance(Duration.ofMinutes(1));
    record("0.30");
    advance(Duration.ofMinutes(1));

    budget("00:00"); // back to the counter that holds 1.25 only

    assertThat(usedToday()).isEqualByComparingTo("1.55");
    assertThat(quota.reserve(alice("0.50")).admitted()).isFalse(); // would fit at 1.25
  }
}
