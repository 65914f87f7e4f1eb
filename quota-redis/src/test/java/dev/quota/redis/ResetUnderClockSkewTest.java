package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Quota;
import dev.quota.Subject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A reset is the moment the store started a subject's counters afresh, and a budget the store later
 * loses is rebuilt from the ledger's spend since then. The ledger dates spend by the store's clock
 * (a commit from when its reservation was made), so the reset must be dated by that clock too: an
 * engine whose clock runs ahead of Redis's would otherwise make the rebuild drop spend charged
 * after the reset, and one whose clock runs behind would count spend the reset forgave.
 */
class ResetUnderClockSkewTest extends LostRedisEngine {
  private static final Duration SKEW = Duration.ofMinutes(5);
  private final Quota quota = Quota.builder().clock(clock).store(store).config(config).ledger(ledger).build();

  ResetUnderClockSkewTest() {
    super("reset-skew");
  }

  @Override
  Quota quota() {
    return quota;
  }

  @Test
  void spendAfterAResetByAnEngineAheadOfRedisIsRebuiltAfterRedisLostItsData() {
    dailyBudget();
    clock.advance(SKEW); // the engine's clock alone: it runs ahead of Redis's
    onlySpendAfterTheResetCountsBeforeAndAfterRedisLostItsData();
  }

  @Test
  void spendBeforeAResetByAnEngineBehindRedisStaysForgivenAfterRedisLostItsData() {
    dailyBudget();
    offsetMs.addAndGet(SKEW.toMillis()); // Redis's clock alone: the engine's runs behind it
    onlySpendAfterTheResetCountsBeforeAndAfterRedisLostItsData();
  }

  /** 0.20 spent, a reset, 0.30 spent: the budget holds 0.30, live and rebuilt from the ledger alike. */
  private void onlySpendAfterTheResetCountsBeforeAndAfterRedisLostItsData() {
    spend("0.20");
    advance(Duration.ofMinutes(1)); // both clocks: spend in the reset's millisecond would count (erring high)
    quota.admin().resetSubject(Subject.of("user", "alice"), "admin@test", "support ticket");
    advance(Duration.ofMinutes(1));
    spend("0.30");
    assertThat(usedToday()).isEqualByComparingTo("0.30");

    loseRedis();

    assertThat(usedToday()).isEqualByComparingTo("0.30");
  }
}
