package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.admin.AuditQuery;
import dev.quota.admin.MemoryConfigRepository;
import dev.quota.ledger.MemoryLedger;
import dev.quota.store.MemoryStore;
import dev.quota.store.conformance.MutableClock;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An admin reset of a subject's budget held only until the store lost its counters: the budget was
 * then seeded from the ledger with the spend the reset had forgiven, and on a store that started
 * after the period began the reset did nothing at all. A restart here keeps the configuration and
 * the ledger (the durable parts) and loses the store.
 */
class ResetSurvivesALostStoreTest {
  private static final Instant DAY_START = Instant.parse("2026-06-15T00:00:00Z");
  private final MutableClock clock = Fixtures.clock();
  private final MemoryConfigRepository config = new MemoryConfigRepository();
  private final MemoryLedger ledger = new MemoryLedger();

  /** A new process on the same configuration and ledger, with a store that has no counters. */
  private Quota restart() {
    clock.advance(Duration.ofMinutes(5));
    return Quota.builder().clock(clock).config(config).ledger(ledger).store(new MemoryStore(clock)).build();
  }

  private Quota withBudgets() {
    Quota q = Quota.builder().clock(clock).config(config).ledger(ledger).build();
    q.admin().putPolicy(
        Policy.builder("user:*").budget(Budget.of("USD", Money.of("1.00"), Money.of("3.00"), null)).build(), ADMIN, "t");
    return q;
  }

  private static void spend(Quota q, String user, String amount) {
    Decision d = q.reserve(Fixtures.userCost(user, amount));
    assertThat(d.admitted()).isTrue();
    q.commit(d.reservationId(), Money.of(amount), Map.of());
  }

  private static BigDecimal used(Quota q, String user, LimitKind kind) {
    return q.usage(Subject.of("user", user)).stream()
        .filter(l -> l.kind() == kind)
        .map(LimitStatus::usedAmount)
        .findFirst()
        .orElseThrow();
  }

  private MoneyTotal ledgerToday(String user) {
    return ledger.spent(Map.of("user", user), DAY_START, DAY_START.plus(Duration.ofDays(1)));
  }

  @Test
  void aResetOnAStoreThatStartedThisPeriodFreesTheWholeBudget() {
    spend(withBudgets(), "alice", "0.60");
    Quota restarted = restart();
    assertThat(used(restarted, "alice", LimitKind.BUDGET_DAILY)).isEqualByComparingTo("0.60");

    restarted.admin().resetSubject(Subject.of("user", "alice"), ADMIN, "support ticket");

    assertThat(used(restarted, "alice", LimitKind.BUDGET_DAILY)).isEqualByComparingTo("0");
    assertThat(used(restarted, "alice", LimitKind.BUDGET_MONTHLY)).isEqualByComparingTo("0");
    assertThat(restarted.reserve(Fixtures.userCost("alice", "1.00")).admitted()).isTrue();
    // Forgiven, not erased: the ledger still holds what was spent.
    assertThat(ledgerToday("alice")).isEqualByComparingTo(MoneyTotal.of("0.60"));
  }

  @Test
  void aResetOutlivesARestartAndOnlyLaterSpendIsSeeded() {
    Quota before = withBudgets();
    spend(before, "alice", "0.30");
    clock.advance(Duration.ofMinutes(1));
    before.admin().resetSubject(Subject.of("user", "alice"), ADMIN, "support ticket");
    assertThat(used(before, "alice", LimitKind.BUDGET_DAILY)).isEqualByComparingTo("0");
    clock.advance(Duration.ofMinutes(1));
    spend(before, "alice", "0.20");

    Quota restarted = restart();

    assertThat(used(restarted, "alice", LimitKind.BUDGET_DAILY)).isEqualByComparingTo("0.20");
    assertThat(used(restarted, "alice", LimitKind.BUDGET_MONTHLY)).isEqualByComparingTo("0.20");
    assertThat(restarted.reserve(Fixtures.userCost("alice", "0.81")).admitted()).isFalse();
    assertThat(restarted.reserve(Fixtures.userCost("alice", "0.80")).admitted()).isTrue();
    assertThat(ledgerToday("alice")).isEqualByComparingTo(MoneyTotal.of("0.50"));
  }

  @Test
  void spendInTheMillisecondOfTheResetStillCounts() {
    Quota before = withBudgets();
    spend(before, "alice", "0.30");
    before.admin().resetSubject(Subject.of("user", "alice"), ADMIN, "support ticket");
    spend(before, "alice", "0.20");

    // The ledger cannot tell which came first in one millisecond: it errs towards counting.
    assertThat(used(restart(), "alice", LimitKind.BUDGET_DAILY)).isEqualByComparingTo("0.50");
  }

  @Test
  void aResetOfOneSubjectSeedsNoOtherSubjectFromItsTime() {
    Quota before = withBudgets();
    spend(before, "alice", "0.30");
    spend(before, "bob", "0.40");
    clock.advance(Duration.ofMinutes(1));
    before.admin().resetSubject(Subject.of("user", "alice"), ADMIN, "support ticket");

    Quota restarted = restart();

    assertThat(used(restarted, "alice", LimitKind.BUDGET_DAILY)).isEqualByComparingTo("0");
    assertThat(used(restarted, "bob", LimitKind.BUDGET_DAILY)).isEqualByComparingTo("0.40");
  }

  /** A reset clears the subject's own counters, not those of a pair it is part of; a seed agrees. */
  @Test
  void aPairBudgetIsNeitherResetNorSeededFromTheResetOfOneOfItsSubjects() {
    Quota before = withBudgets();
    before.admin().putPolicy(
        Policy.builder("user:*,tool:*").budget(Budget.of("USD", Money.of("0.50"), null, null)).build(), ADMIN, "t");
    QuotaRequest search = QuotaRequest.builder().user("alice").tool("search").estimatedCost("0.40").build();
    Decision d = before.reserve(search);
    before.commit(d.reservationId(), Money.of("0.40"), Map.of());
    clock.advance(Duration.ofMinutes(1));
    before.admin().resetSubject(Subject.of("user", "alice"), ADMIN, "support ticket");
    QuotaRequest more = QuotaRequest.builder().user("alice").tool("search").estimatedCost("0.20").build();
    assertThat(before.check(more).admitted()).isFalse(); // the pair's budget still holds 0.40

    Quota restarted = restart();

    Decision after = restarted.check(more);
    assertThat(after.admitted()).isFalse();
    assertThat(after.limits())
        .filteredOn(l -> l.kind() == LimitKind.BUDGET_DAILY && l.subject().contains("tool"))
        .singleElement()
        .satisfies(l -> assertThat(l.usedAmount()).isEqualByComparingTo("0.40"));
    assertThat(used(restarted, "alice", LimitKind.BUDGET_DAILY)).isEqualByComparingTo("0");
  }

  @Test
  void theResetIsAuditedOnceAndItsTimeKept() {
    Quota q = withBudgets();
    q.admin().resetSubject(Subject.of("user", "alice"), ADMIN, "support ticket");

    assertThat(config.subjectReset(Subject.of("user", "alice"))).contains(clock.instant());
    assertThat(config.subjectReset(Subject.of("user", "bob"))).isEmpty();
    assertThat(q.admin().audit(new AuditQuery(null, "subject.reset", null, null, null, 0, 10)))
        .singleElement()
        .satisfies(e -> assertThat(e.target()).isEqualTo("user:alice"));
  }
}
