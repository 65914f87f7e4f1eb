package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.admin.MemoryConfigRepository;
import dev.quota.internal.RevisedZone;
import dev.quota.ledger.CountingLedger;
import dev.quota.ledger.MemoryLedger;
import dev.quota.store.MemoryStore;
import dev.quota.store.conformance.MutableClock;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/**
 * Engines that restart while their counter store keeps its data (as Redis does) and share one
 * configuration repository: the time the engines took up their budget calendars outlives each
 * engine. A restart that finds the calendars they kept rebuilds no budget; one that finds another
 * set, or a set another engine took up later than it thought, still rebuilds the period's spend.
 * One store serves every engine here, so its epoch (a day before the tests) never asks for a seed.
 */
class BudgetCountersTimeSurvivesRestartTest {
  private static final Subject ALICE = Subject.of("user", "alice");
  private final MutableClock clock = new MutableClock(Instant.parse("2026-06-14T12:00:00Z"));
  private final MemoryStore store = new MemoryStore(clock);
  private final MemoryConfigRepository config = new MemoryConfigRepository();
  private final CountingLedger ledger = new CountingLedger(new MemoryLedger());

  private Quota start() {
    return Quota.builder().clock(clock).config(config).ledger(ledger).store(store).build();
  }

  private void at(String instant) {
    clock.advance(Duration.between(clock.instant(), Instant.parse(instant)));
  }

  private static void budget(Quota q, ZoneId zone, String resetTime) {
    q.admin().putPolicy(
        Policy.builder("user:*")
            .budget(new Budget("USD", Money.of("1.00"), null, null, zone, LocalTime.parse(resetTime), 1))
            .build(),
        ADMIN, "calendar");
  }

  private static void spend(Quota q, String user, String cost) {
    assertThat(q.record(QuotaRequest.builder().user(user).estimatedCost(cost).build()).admitted()).isTrue();
  }

  private static boolean admits(Quota q, String cost) {
    return q.reserve(QuotaRequest.builder().user("alice").estimatedCost(cost).build()).admitted();
  }

  private static BigDecimal usedToday(Quota q, Subject subject) {
    return q.usage(subject).stream()
        .filter(l -> l.kind() == LimitKind.BUDGET_DAILY).findFirst().orElseThrow().usedAmount();
  }

  @Test
  void aRestartWithTheSameCalendarsRebuildsNoBudget() {
    Quota first = start();
    budget(first, ZoneOffset.UTC, "00:00");
    at("2026-06-15T10:00:00Z");
    spend(first, "alice", "0.30");
    first.close();
    at("2026-06-15T12:00:00Z");
    ledger.takeSpentReads();

    Quota second = start();

    // Carol is new in the day: her counter is missing, and nothing she spent in it went elsewhere.
    assertThat(second.reserve(QuotaRequest.builder().user("carol").estimatedCost("0.50").build()).admitted()).isTrue();
    assertThat(usedToday(second, ALICE)).isEqualByComparingTo("0.30");
    assertThat(ledger.takeSpentReads()).isZero();
    second.close();
  }

  @Test
  void aCalendarChangedByAnotherEngineWhileThisOneWasDownKeepsTheDaysSpend() {
    Quota first = start();
    Quota other = start();
    budget(first, ZoneOffset.UTC, "00:00");
    at("2026-06-15T10:00:00Z");
    spend(first, "alice", "0.90");
    first.close();
    at("2026-06-15T15:00:00Z");
    budget(other, ZoneId.of("America/New_York"), "00:00"); // its day began at 04:00 UTC, before the spend
    at("2026-06-15T16:00:00Z");

    Quota restarted = start();

    assertThat(usedToday(restarted, ALICE)).isEqualByComparingTo("0.90");
    assertThat(admits(restarted, "0.20")).isFalse();
    assertThat(admits(restarted, "0.10")).isTrue();
    restarted.close();
    other.close();
  }

  /**
   * One engine takes up a new reset time at 15:00, the other only at its reload at 16:00 and
   * charges Alice under the old calendar meanwhile, in the new calendar's day begun at 15:30. A
   * restart must rebuild that day: the time kept is the later engine's, not the first one's.
   */
  @Test
  void aRestartKeepsTheTimeOfTheLastEngineToTakeUpTheCalendars() {
    Quota first = start();
    Quota other = start();
    budget(first, ZoneOffset.UTC, "00:00");
    other.reloadConfig();
    at("2026-06-15T10:00:00Z");
    spend(other, "alice", "0.20"); // before the new calendar's day
    at("2026-06-15T15:00:00Z");
    budget(first, ZoneOffset.UTC, "15:30");
    at("2026-06-15T15:45:00Z");
    spend(other, "alice", "0.50"); // still the old calendar there, in the new calendar's day
    at("2026-06-15T16:00:00Z");
    other.reloadConfig();
    first.close();
    other.close();
    at("2026-06-15T17:00:00Z");

    Quota restarted = start();

    assertThat(usedToday(restarted, ALICE)).isEqualByComparingTo("0.50");
    assertThat(admits(restarted, "0.51")).isFalse();
    assertThat(admits(restarted, "0.50")).isTrue();
    restarted.close();
  }

  /**
   * A release of the time zone database revises the budget's zone after the fact (its clocks went
   * an hour ahead), so a server restarted on it begins Alice's day an hour earlier, under a counter
   * of another name, though no admin changed a thing. That day's spend is rebuilt from the ledger,
   * as after a change of calendar, rather than found empty under the time the calendars were kept.
   */
  @Test
  void aRestartOnRevisedRulesForTheBudgetsZoneKeepsTheDaysSpend() {
    Quota first = start();
    budget(first, RevisedZone.as("2026a", ZoneOffset.UTC), "00:00");
    at("2026-06-15T10:00:00Z");
    spend(first, "alice", "0.90");
    first.close();
    at("2026-06-15T12:00:00Z");

    RevisedZone.as("2026b", ZoneOffset.ofHours(1)); // the day now began at 23:00 UTC the day before
    Quota restarted = start();

    assertThat(usedToday(restarted, ALICE)).isEqualByComparingTo("0.90");
    assertThat(admits(restarted, "0.20")).isFalse();
    assertThat(admits(restarted, "0.10")).isTrue();
    restarted.close();
  }
}
