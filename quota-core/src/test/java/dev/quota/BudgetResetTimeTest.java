package dev.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.store.conformance.MutableClock;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/**
 * A budget's reset time is a time of day in whole seconds, as a policy's JSON writes and reads it.
 * A finer one fell between the milliseconds stores keep time in: in the millisecond holding it the
 * engine computed a period that had already ended by the store's clock, and every decision failed.
 */
class BudgetResetTimeTest {
  private static Budget daily(LocalTime reset) {
    return new Budget("USD", Money.of("1.00"), null, null, ZoneOffset.UTC, reset, 1);
  }

  @Test
  void aResetTimeFinerThanSecondsIsRefusedNamingTheField() {
    for (LocalTime reset : new LocalTime[] {LocalTime.of(6, 0, 0, 500_000), LocalTime.of(23, 59, 59, 999_000_000)}) {
      assertThatThrownBy(() -> daily(reset))
          .isInstanceOfSatisfying(ValidationException.class, e -> {
            assertThat(e.field()).isEqualTo("budget.resetTime");
            assertThat(e.rule()).contains("whole seconds");
          });
    }
    assertThat(daily(LocalTime.of(6, 0, 30)).resetTime()).isEqualTo(LocalTime.of(6, 0, 30));
  }

  @Test
  void aDecisionAtTheResetSecondIsInTheNewDay() {
    MutableClock clock = new MutableClock(Instant.parse("2026-06-15T06:00:30Z"));
    Quota quota = Quota.builder().clock(clock).build();
    quota.admin().putPolicy(Policy.builder("user:*").budget(daily(LocalTime.of(6, 0, 30))).build(), "admin@test", "t");
    Decision d = quota.reserve(QuotaRequest.builder().user("alice").estimatedCost("0.10").build());
    assertThat(d.admitted()).isTrue();
    assertThat(d.limits().get(0).resetAt()).isEqualTo(Instant.parse("2026-06-16T06:00:30Z"));
  }
}
