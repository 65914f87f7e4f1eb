package dev.quota.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.Budget;
import dev.quota.Decision;
import dev.quota.LimitKind;
import dev.quota.LimitStatus;
import dev.quota.Money;
import dev.quota.MoneyTotal;
import dev.quota.Policy;
import dev.quota.Quota;
import dev.quota.QuotaRequest;
import dev.quota.Subject;
import dev.quota.admin.AuditQuery;
import dev.quota.store.MemoryStore;
import dev.quota.store.conformance.MutableClock;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An admin reset holds through a restart: each process here has its own in-memory store (lost when
 * it ends) and shares the database, which keeps the configuration, the reset marks and the ledger.
 */
class ResetSurvivesRestartTest {
  static final Instant DAY_START = Instant.parse("2025-03-10T00:00:00Z");
  static final Subject ALICE = Subject.of("user", "alice");
  @TempDir Path dir;
  /** A minute before the day of the tests: a store started now holds every counter of the day. */
  private final MutableClock clock = new MutableClock(DAY_START.minus(Duration.ofMinutes(1)));

  /** A process that starts five minutes on: a fresh store, the database's configuration and ledger. */
  private Quota start(Database db) {
    clock.advance(Duration.ofMinutes(5));
    return process(db);
  }

  /** A process that starts now. */
  private Quota process(Database db) {
    JdbcUsageLedger ledger = JdbcUsageLedger.builder(db).spoolDirectory(dir.resolve("spool")).build();
    return Quota.builder().clock(clock).config(new JdbcConfigRepository(db)).ledger(ledger).store(new MemoryStore(clock)).build();
  }

  private static void spend(Quota q, String amount) {
    Decision d = q.reserve(alice(amount));
    assertThat(d.admitted()).isTrue();
    q.commit(d.reservationId(), Money.of(amount), Map.of());
  }

  private static QuotaRequest alice(String cost) {
    return QuotaRequest.builder().user("alice").estimatedCost(cost).build();
  }

  private static BigDecimal usedToday(Quota q) {
    return q.usage(ALICE).stream()
        .filter(l -> l.kind() == LimitKind.BUDGET_DAILY)
        .map(LimitStatus::usedAmount)
        .findFirst()
        .orElseThrow();
  }

  private static MoneyTotal ledgerToday(Quota q) {
    return q.ledger().spent(Map.of("user", "alice"), DAY_START, DAY_START.plus(Duration.ofDays(1)));
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aResetAfterARestartFreesTheBudgetAndTheNextRestartKeepsIt(Backend backend) {
    try (var t = backend.open(dir)) {
      try (Quota first = start(t.db)) {
        first.admin().putPolicy(
            Policy.builder("user:*").budget(Budget.of("USD", Money.of("1.00"), null, null)).build(), "admin", "t");
        spend(first, "0.60");
      }
      try (Quota second = start(t.db)) {
        assertThat(usedToday(second)).isEqualByComparingTo("0.60");
        second.admin().resetSubject(ALICE, "admin", "support ticket");
        assertThat(usedToday(second)).isEqualByComparingTo("0");
        assertThat(second.check(alice("0.90")).admitted()).isTrue();
        clock.advance(Duration.ofMinutes(1));
        spend(second, "0.20");
      }
      try (Quota third = start(t.db)) {
        assertThat(usedToday(third)).isEqualByComparingTo("0.20");
        assertThat(third.check(alice("0.81")).admitted()).isFalse();
        assertThat(third.check(alice("0.80")).admitted()).isTrue();
        // The ledger still holds everything spent: reports show it.
        assertThat(ledgerToday(third)).isEqualByComparingTo(MoneyTotal.of("0.80"));
      }
    }
  }

  /**
   * A reservation open across the reset and committed after it was forgiven by the reset: the
   * live budget never counted it. Its ledger row is written at the commit, and the next process
   * rebuilt the budget with it; it must rebuild what the live budget held.
   */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void aReservationOpenAcrossAResetIsNotCountedAgainAfterARestart(Backend backend) {
    try (var t = backend.open(dir)) {
      BigDecimal live;
      try (Quota first = start(t.db)) {
        first.admin().putPolicy(
            Policy.builder("user:*").budget(Budget.of("USD", Money.of("1.00"), null, null)).build(), "admin", "t");
        Decision open = first.reserve(alice("0.40"));
        assertThat(open.admitted()).isTrue();
        clock.advance(Duration.ofMinutes(1));
        first.admin().resetSubject(ALICE, "admin", "support ticket");
        clock.advance(Duration.ofMinutes(1));
        spend(first, "0.20");
        first.commit(open.reservationId(), Money.of("0.35"), Map.of());
        live = usedToday(first);
        assertThat(live).isEqualByComparingTo("0.20");
      }
      try (Quota second = start(t.db)) {
        assertThat(usedToday(second)).isEqualByComparingTo(live);
        assertThat(second.check(alice("0.81")).admitted()).isFalse();
        assertThat(second.check(alice("0.80")).admitted()).isTrue();
        assertThat(second.ledger().entries(Map.of("user", "alice"), DAY_START, DAY_START.plus(Duration.ofDays(1))))
            .hasSize(2);
      }
    }
  }

  /**
   * The mark and the audit row are written before any counter: a database that refuses them
   * refuses the reset. The store started before the day, so a counter it lost would not be seeded.
   */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void aResetTheDatabaseRefusesChangesNoCounter(Backend backend) {
    try (var t = backend.open(dir);
        Quota q = process(t.db)) {
      q.admin().putPolicy(
          Policy.builder("user:*").budget(Budget.of("USD", Money.of("1.00"), null, null)).build(), "admin", "t");
      clock.advance(Duration.ofHours(12));
      spend(q, "0.60");
      t.execute("ALTER TABLE audit_log ADD CONSTRAINT audit_refuses CHECK (reason <> 'refused')");

      assertThatThrownBy(() -> q.admin().resetSubject(ALICE, "admin", "refused")).isInstanceOf(DatabaseException.class);

      assertThat(usedToday(q)).isEqualByComparingTo("0.60");
      assertThat(new JdbcConfigRepository(t.db).subjectReset(ALICE)).isEmpty();
      assertThat(q.admin().audit(new AuditQuery(null, "subject.reset", null, null, null, 0, 10))).isEmpty();
    }
  }
}
