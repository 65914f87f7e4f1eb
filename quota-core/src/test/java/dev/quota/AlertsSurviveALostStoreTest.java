package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static dev.quota.alert.AlertedLevels.levels;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.admin.MemoryConfigRepository;
import dev.quota.alert.AlertedLevels;
import dev.quota.alert.MemoryAlertHistory;
import dev.quota.ledger.MemoryLedger;
import dev.quota.store.MemoryStore;
import dev.quota.store.conformance.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A budget's alerts fired again after the store lost its counters: the budget was seeded from the
 * ledger with no alert bits, so the next use in the same period sent every level it had already
 * passed (80, 90, 95% and exhaustion) a second time. A restart here keeps the configuration and the
 * ledger (the durable parts) and loses the store.
 */
class AlertsSurviveALostStoreTest {
  private static final Instant DAY_START = Instant.parse("2026-06-15T00:00:00Z");
  private final MutableClock clock = Fixtures.clock();
  private final MemoryConfigRepository config = new MemoryConfigRepository();
  private final MemoryLedger ledger = new MemoryLedger();
  private final AlertedLevels alerted = new AlertedLevels(DAY_START);
  /** The alert history, durable as the database that keeps it in a server. */
  private final MemoryAlertHistory history = new MemoryAlertHistory();

  /** The first process, with a daily budget of 1.00 and the default levels (80, 90, 95%). */
  private Quota start() {
    Quota q = Quota.builder().clock(clock).config(config).ledger(ledger).alertHistory(history).listener(alerted).build();
    q.admin().putPolicy(Policy.builder("user:*").budget(Budget.of("USD", Money.of("1.00"), null, null)).build(), ADMIN, "t");
    return q;
  }

  /** A new process on the same configuration and ledger, with a store that has no counters. */
  private Quota restart() {
    clock.advance(Duration.ofMinutes(5));
    return Quota.builder().clock(clock).config(config).ledger(ledger).alertHistory(history).listener(alerted)
        .store(new MemoryStore(clock)).build();
  }

  private static void spend(Quota q, String amount) {
    Decision d = q.reserve(Fixtures.userCost("alice", amount));
    assertThat(d.admitted()).isTrue();
    q.commit(d.reservationId(), Money.of(amount), Map.of());
  }

  private static void record(Quota q, String amount) {
    assertThat(q.record(Fixtures.userCost("alice", amount)).admitted()).isTrue();
  }

  @Test
  void anExhaustedBudgetAlertsNothingAgainAfterARestart() {
    spend(start(), "1.00");
    assertThat(alerted.newLevels()).isEqualTo(levels("0.8", "0.9", "0.95", "1"));

    Quota after = restart();
    record(after, "0.01");

    assertThat(alerted.newLevels()).isEmpty();
  }

  @Test
  void afterARestartOnlyALevelNotYetPassedAlertsAndOnlyOnce() {
    spend(start(), "0.85");
    assertThat(alerted.newLevels()).isEqualTo(levels("0.8"));

    Quota after = restart();
    spend(after, "0.01"); // 0.86: past 80% again, which was alerted before the restart
    assertThat(alerted.newLevels()).isEmpty();
    spend(after, "0.05"); // 0.91
    assertThat(alerted.newLevels()).isEqualTo(levels("0.9"));
    spend(after, "0.02"); // 0.93
    assertThat(alerted.newLevels()).isEmpty();
  }

  /**
   * A level is alerted when spend and holds reach it, but a budget is rebuilt from the ledger's
   * spend alone: a level a hold reached, lost with the store, was alerted again once spend reached
   * it in the same period.
   */
  @Test
  void aLevelAHoldReachedIsNotAlertedAgainWhenSpendReachesItAfterARestart() throws InterruptedException {
    Quota first = start();
    assertThat(first.reserve(Fixtures.userCost("alice", "0.85")).admitted()).isTrue(); // held, never settled
    assertThat(alerted.newLevels()).isEqualTo(levels("0.8"));
    assertThat(first.drainAlerts(Duration.ofSeconds(10))).isTrue();

    Quota after = restart();
    record(after, "0.85"); // the reservation's call, recorded after its hold was lost
    assertThat(alerted.newLevels()).isEmpty();
    record(after, "0.06"); // 0.91
    assertThat(alerted.newLevels()).isEqualTo(levels("0.9"));
  }
}
