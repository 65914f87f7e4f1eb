package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.admin.MemoryConfigRepository;
import dev.quota.ledger.MemoryLedger;
import dev.quota.store.MemoryStore;
import dev.quota.store.conformance.MutableClock;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A budget with a reset time that is not midnight, in a zone that is not UTC, rebuilt from the
 * ledger after its store was lost, holds exactly the spend charged since its period began: a day
 * beginning at 05:30 in Kolkata (00:00 UTC) and a month beginning on the 31st, the last day of
 * shorter months (February 29th in 2028).
 */
class RebuiltCalendarBudgetTest {
  private static final Subject ALICE = Subject.of("user", "alice");
  private final MemoryConfigRepository config = new MemoryConfigRepository();
  private final MemoryLedger ledger = new MemoryLedger();
  private final MutableClock clock = new MutableClock(Instant.parse("2028-02-20T00:00:00Z"));

  private Quota start(Clock c) {
    return Quota.builder().clock(c).config(config).ledger(ledger).store(new MemoryStore(c)).build();
  }

  private void at(String instant) {
    clock.advance(Duration.between(clock.instant(), Instant.parse(instant)));
  }

  private static BigDecimal used(Quota q, LimitKind kind) {
    return q.usage(ALICE).stream().filter(l -> l.kind() == kind).findFirst().orElseThrow().usedAmount();
  }

  private static void spend(Quota q, String cost) {
    assertThat(q.record(QuotaRequest.builder().user("alice").estimatedCost(cost).build()).admitted()).isTrue();
  }

  @Test
  void aRebuiltBudgetCountsTheSpendSinceItsPeriodBegan() {
    Quota live = start(clock);
    live.admin().putPolicy(
        Policy.builder("user:*")
            .budget(new Budget("USD", Money.of("10.00"), Money.of("100.00"), null, ZoneId.of("Asia/Kolkata"),
                LocalTime.of(5, 30), 31))
            .build(),
        ADMIN, "calendar");
    at("2028-02-28T18:29:59.999Z"); // 23:59:59.999 on the 28th in Kolkata: January's month still
    spend(live, "1.00");
    at("2028-02-29T00:00:00Z"); // 05:30 on the 29th: a new day and a new month
    spend(live, "2.00");
    at("2028-02-29T23:59:00Z"); // 05:29 on March 1st: still the day of the 29th
    Decision open = live.reserve(
        QuotaRequest.builder().user("alice").estimatedCost("0.50").ttl(Duration.ofHours(1)).build());
    at("2028-02-29T23:59:59.999Z");
    spend(live, "4.00");
    at("2028-03-01T00:00:00Z"); // 05:30 on March 1st: a new day, the same month
    spend(live, "8.00");
    live.commit(open.reservationId(), Money.of("0.25"), Map.of()); // counted in the day it was made
    assertThat(used(live, LimitKind.BUDGET_DAILY)).isEqualByComparingTo("8.00");
    assertThat(used(live, LimitKind.BUDGET_MONTHLY)).isEqualByComparingTo("14.25");
    live.close();

    clock.advance(Duration.ofMinutes(1));
    Quota rebuilt = start(clock);

    assertThat(used(rebuilt, LimitKind.BUDGET_DAILY)).isEqualByComparingTo("8.00");
    assertThat(used(rebuilt, LimitKind.BUDGET_MONTHLY)).isEqualByComparingTo("14.25");
  }

  /**
   * A process that stops in the very millisecond a period began, after spending in it, leaves a
   * store started in that millisecond nothing to tell that the period's counter existed: it is
   * rebuilt all the same.
   */
  @Test
  void aStoreStartedInTheMillisecondItsPeriodBeganRebuildsItsBudget() {
    Quota live = start(clock);
    live.admin().putPolicy(
        Policy.builder("user:*")
            .budget(new Budget("USD", Money.of("10.00"), null, null, ZoneId.of("Asia/Kolkata"), LocalTime.of(5, 30), 1))
            .build(),
        ADMIN, "calendar");
    at("2028-02-29T00:00:00Z"); // 05:30 in Kolkata
    spend(live, "2.00");
    live.close();

    Quota rebuilt = start(clock);

    assertThat(used(rebuilt, LimitKind.BUDGET_DAILY)).isEqualByComparingTo("2.00");
  }
}
