package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.admin.MemoryConfigRepository;
import dev.quota.alert.Alert;
import dev.quota.ledger.MemoryLedger;
import dev.quota.ledger.OwedUsageJournal;
import dev.quota.ledger.UsageEntry;
import dev.quota.store.conformance.MutableClock;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Usage recorded while the store cannot be reached goes to the ledger; its budget charges are owed
 * to the store and applied once it answers again, so that no subject overspends after an outage.
 * Replays are triggered by the test ({@link Quota#replayOwedCharges}) unless a test says otherwise.
 */
class OwedChargesTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-06-14T23:00:00Z"));
  /**
   * Started before the day the tests charge, so a counter it does not have was never lost: its
   * budgets are not rebuilt from the ledger, which would count owed rows whether replayed or not.
   */
  private final OutageStore store = new OutageStore(clock);

  {
    clock.advance(Duration.ofHours(11)); // 2026-06-15T10:00Z
  }

  private final MemoryConfigRepository config = new MemoryConfigRepository();
  private final MemoryLedger ledger = new MemoryLedger();
  private final List<Alert> alerts = new CopyOnWriteArrayList<>();
  private final AtomicInteger dropped = new AtomicInteger();
  private final QuotaListener listener = new QuotaListener() {
    @Override public void onAlert(Alert alert) {
      alerts.add(alert);
    }

    @Override public void onOwedChargeDropped() {
      dropped.incrementAndGet();
    }
  };
  private Quota quota = engine(Quota.builder().replayOwedChargesInBackground(false));

  private Quota engine(Quota.Builder b) {
    return b.clock(clock).store(store).config(config).ledger(ledger).listener(listener).build();
  }

  @AfterEach
  void close() {
    quota.close();
  }

  /** A fail-open budget for every user: daily, and monthly when given. */
  private void budget(String daily, String monthly) {
    quota.admin().putPolicy(
        Policy.builder("user:*")
            .budget(Budget.of("USD", Money.of(daily), monthly == null ? null : Money.of(monthly), null))
            .failMode(FailMode.OPEN)
            .build(),
        ADMIN, "t");
  }

  private Decision record(String user, String cost) {
    return quota.record(Fixtures.userCost(user, cost));
  }

  private BigDecimal used(String user, LimitKind kind) {
    return quota.usage(Subject.of("user", user)).stream().filter(l -> l.kind() == kind).findFirst().orElseThrow().usedAmount();
  }

  private BigDecimal spentToday(String user) {
    Instant now = clock.instant();
    return ledger.spent(Map.of("user", user), now.minus(Duration.ofHours(10)), now.plusSeconds(1)).toBigDecimal();
  }

  @Test
  void usageRecordedWhileTheStoreIsAwayIsChargedToTheBudgetOnceItAnswers() {
    budget("1.00", null);
    record("alice", "0.10");
    store.goDown();
    for (int i = 0; i < 3; i++) {
      assertThat(record("alice", "0.30").failOpen()).isTrue();
    }
    assertThat(spentToday("alice")).isEqualByComparingTo("1.00");
    assertThat(quota.owedCharges()).isEqualTo(3);
    assertThat(quota.replayOwedCharges()).as("the store is still away").isEqualTo(3);

    store.comeBack();
    assertThat(quota.replayOwedCharges()).isZero();

    assertThat(used("alice", LimitKind.BUDGET_DAILY)).isEqualByComparingTo("1.00");
    assertThat(quota.reserve(Fixtures.userCost("alice", "0.50")).admitted()).isFalse();
    assertThat(alerts).as("the replay crossed 80, 90, 95 and 100%")
        .extracting(Alert::threshold).map(BigDecimal::stripTrailingZeros)
        .containsExactly(new BigDecimal("0.8"), new BigDecimal("0.9"), new BigDecimal("0.95"), BigDecimal.ONE);
    assertThat(dropped).hasValue(0);
  }

  /** A retry of usage the ledger holds is answered from it, and owes nothing more, while the store is away or after. */
  @Test
  void aRetryOfOwedUsageIsChargedOnce() {
    budget("1.00", null);
    store.goDown();
    QuotaRequest usage = QuotaRequest.builder().user("alice").estimatedCost("0.30").idempotencyKey("call-1").build();
    assertThat(quota.record(usage).failOpen()).isTrue();
    Decision replayedWhileAway = quota.record(usage);
    assertThat(replayedWhileAway.replayed()).isTrue();
    assertThat(replayedWhileAway.failOpen()).as("its limits could not be read").isTrue();
    assertThat(replayedWhileAway.limits()).isEmpty();
    store.comeBack();
    quota.replayOwedCharges();
    Decision replayedAfter = quota.record(usage);
    assertThat(replayedAfter.replayed()).isTrue();
    assertThat(replayedAfter.failOpen()).isFalse();
    assertThat(replayedAfter.limits()).isNotEmpty();

    assertThat(used("alice", LimitKind.BUDGET_DAILY)).isEqualByComparingTo("0.30");
  }

  @Test
  void aChargeOwedForADayThatEndedStillChargesTheMonth() {
    budget("1.00", "10.00");
    record("alice", "0.10");
    store.goDown();
    record("alice", "0.30");
    clock.advance(Duration.ofDays(1)); // 2026-06-16: the day charged is over, its month is not

    store.comeBack();
    assertThat(quota.replayOwedCharges()).isZero();

    assertThat(used("alice", LimitKind.BUDGET_DAILY)).isEqualByComparingTo("0");
    assertThat(used("alice", LimitKind.BUDGET_MONTHLY)).isEqualByComparingTo("0.40");
  }

  /** The store lost its counters meanwhile: the budget is rebuilt from the ledger, which holds the owed rows. */
  @Test
  void aStoreThatLostItsCountersIsRebuiltFromTheLedgerAndTheReplayAddsNothing() {
    budget("1.00", null);
    record("alice", "0.10");
    store.goDown();
    record("alice", "0.30");
    record("alice", "0.30");
    clock.advance(Duration.ofMinutes(10));

    store.comeBackEmpty();
    assertThat(quota.replayOwedCharges()).isZero();

    assertThat(used("alice", LimitKind.BUDGET_DAILY)).isEqualByComparingTo("0.70");
  }

  /** As above, with a decision rebuilding the counter before the replay comes. */
  @Test
  void aCounterRebuiltBeforeTheReplayIsNotChargedAgain() {
    budget("1.00", null);
    record("alice", "0.10");
    store.goDown();
    record("alice", "0.30");
    record("alice", "0.30");
    clock.advance(Duration.ofMinutes(10));

    store.comeBackEmpty();
    assertThat(used("alice", LimitKind.BUDGET_DAILY)).as("rebuilt from the ledger").isEqualByComparingTo("0.70");
    record("alice", "0.05"); // after the rebuild, so it counts whatever is replayed
    assertThat(quota.replayOwedCharges()).isZero();

    assertThat(used("alice", LimitKind.BUDGET_DAILY)).isEqualByComparingTo("0.75");
  }

  /**
   * Levels crossed only by usage recorded while the store was away, whose counter it then lost, were
   * never alerted by any counter: the rebuild alerts them, once, whether the replay found the
   * counter lost first or a decision rebuilt it first.
   */
  @Test
  void levelsCrossedWhileTheStoreWasAwayAreAlertedWhenItsLostCounterIsRebuilt() {
    budget("1.00", null);
    record("alice", "0.10");
    store.goDown();
    record("alice", "0.45");
    record("alice", "0.35");
    clock.advance(Duration.ofMinutes(10));
    store.comeBackEmpty();
    assertThat(quota.replayOwedCharges()).as("dropped: the counter was lost").isZero();
    assertThat(alerts).as("nothing counted the spend yet").isEmpty();

    assertThat(used("alice", LimitKind.BUDGET_DAILY)).as("rebuilt from the ledger").isEqualByComparingTo("0.90");
    record("alice", "0.01");
    assertThat(levels()).containsExactly("0.8", "0.9");
  }

  @Test
  void aDecisionThatRebuildsTheCounterBeforeTheReplayAlertsTheLevelsOnceToo() {
    budget("1.00", null);
    store.goDown();
    record("alice", "0.85");
    clock.advance(Duration.ofMinutes(10));
    store.comeBackEmpty();
    record("alice", "0.01"); // rebuilds the counter from the ledger, then charges
    assertThat(quota.replayOwedCharges()).isZero();
    record("alice", "0.01");

    assertThat(used("alice", LimitKind.BUDGET_DAILY)).isEqualByComparingTo("0.87");
    assertThat(levels()).containsExactly("0.8");
  }

  /** What a counter counted before the outage was alerted then, and is not alerted again. */
  @Test
  void levelsAlertedBeforeTheOutageAreNotAlertedAgainByTheRebuild() {
    budget("1.00", null);
    record("alice", "0.85");
    assertThat(levels()).containsExactly("0.8");
    store.goDown();
    record("alice", "0.11");
    clock.advance(Duration.ofMinutes(10));
    store.comeBackEmpty();
    quota.replayOwedCharges();

    assertThat(used("alice", LimitKind.BUDGET_DAILY)).isEqualByComparingTo("0.96");
    assertThat(levels()).containsExactly("0.8", "0.9", "0.95");
  }

  private List<String> levels() {
    return alerts.stream().map(a -> a.threshold().stripTrailingZeros().toPlainString()).toList();
  }

  /** Usage owed before a lost store and usage owed after it was rebuilt: only the first is in the rebuilt counter. */
  @Test
  void onlyChargesOwedBeforeARebuildAreLeftToIt() {
    budget("1.00", null);
    store.goDown();
    record("alice", "0.30");
    clock.advance(Duration.ofMinutes(10));
    store.comeBackEmpty();
    assertThat(used("alice", LimitKind.BUDGET_DAILY)).isEqualByComparingTo("0.30");
    store.goDown();
    record("alice", "0.20");

    store.comeBack();
    assertThat(quota.replayOwedCharges()).isZero();

    assertThat(used("alice", LimitKind.BUDGET_DAILY)).isEqualByComparingTo("0.50");
  }

  @Test
  void aResetAfterTheOutageForgivesWhatItsSubjectOwes() {
    budget("1.00", null);
    store.goDown();
    record("alice", "0.30");
    record("bob", "0.30");
    store.comeBack();
    clock.advance(Duration.ofSeconds(1));
    quota.admin().resetSubject(Subject.of("user", "alice"), ADMIN, "a new start");

    assertThat(quota.replayOwedCharges()).isZero();

    assertThat(used("alice", LimitKind.BUDGET_DAILY)).isEqualByComparingTo("0");
    assertThat(used("bob", LimitKind.BUDGET_DAILY)).isEqualByComparingTo("0.30");
  }

  /** A reset before the outage forgives nothing recorded after it. */
  @Test
  void aResetBeforeTheChargeForgivesNothing() {
    budget("1.00", null);
    quota.admin().resetSubject(Subject.of("user", "alice"), ADMIN, "a new start");
    clock.advance(Duration.ofSeconds(1));
    store.goDown();
    record("alice", "0.30");
    store.comeBack();

    assertThat(quota.replayOwedCharges()).isZero();

    assertThat(used("alice", LimitKind.BUDGET_DAILY)).isEqualByComparingTo("0.30");
  }

  @Test
  void theOldestChargeGivesWayBeyondTheBoundAndIsCounted() {
    quota.close();
    quota = engine(Quota.builder().replayOwedChargesInBackground(false).owedChargeBound(2));
    budget("1.00", null);
    // The budget began mid-day: its counter is built from the ledger now, not when the store is
    // back, when the ledger would count the charge that gave way too.
    assertThat(used("alice", LimitKind.BUDGET_DAILY)).isEqualByComparingTo("0");
    store.goDown();
    record("alice", "0.10");
    record("alice", "0.20");
    record("alice", "0.40");
    assertThat(dropped).hasValue(1);
    assertThat(quota.owedCharges()).isEqualTo(2);

    store.comeBack();
    assertThat(quota.replayOwedCharges()).isZero();

    assertThat(used("alice", LimitKind.BUDGET_DAILY)).isEqualByComparingTo("0.60");
  }

  @Test
  void chargesStillOwedWhenTheEngineClosesAreCounted() {
    budget("1.00", null);
    store.goDown();
    record("alice", "0.10");
    record("bob", "0.10");

    quota.close();

    assertThat(dropped).hasValue(2);
    assertThat(quota.owedCharges()).isZero();
  }

  /** A journal that keeps rows in memory, as a server's file keeps them across processes. */
  static final class RowJournal implements OwedUsageJournal {
    final Map<String, UsageEntry> rows = new java.util.concurrent.ConcurrentHashMap<>();

    @Override public void owed(UsageEntry row) {
      rows.put(row.id(), row);
    }

    @Override public void settled(String rowId) {
      rows.remove(rowId);
    }

    List<UsageEntry> snapshot() {
      return List.copyOf(rows.values());
    }
  }

  private static Quota.Builder journaled(RowJournal journal) {
    return Quota.builder().replayOwedChargesInBackground(false).owedUsageJournal(journal);
  }

  /** Closes the engine and starts another on the same store, ledger and configuration, with {@code journal}. */
  private void restartWith(RowJournal journal) {
    quota.close();
    quota = engine(journaled(journal));
  }

  @Test
  void chargesStillOwedWhenAnEngineStopsAreResumedFromItsJournalByTheNext() {
    RowJournal journal = new RowJournal();
    restartWith(journal);
    budget("1.00", null);
    record("alice", "0.10");
    store.goDown();
    record("alice", "0.30");
    record("alice", "0.40");
    assertThat(journal.rows).hasSize(2);
    quota.close();
    assertThat(dropped).as("kept in the journal, not given up").hasValue(0);
    assertThat(journal.rows).hasSize(2);

    quota = engine(journaled(journal));
    assertThat(quota.resumeOwedCharges(journal.snapshot())).isEqualTo(2);
    store.comeBack();
    assertThat(quota.replayOwedCharges()).isZero();

    assertThat(used("alice", LimitKind.BUDGET_DAILY)).isEqualByComparingTo("0.80");
    assertThat(journal.rows).as("settled once applied").isEmpty();
  }

  /**
   * A row an earlier version owed may name a subject whose identifier ends in whitespace, refused
   * since: resumed, it is not dropped as unreadable, and still charges every budget it was recorded
   * against, the team's beside the user's.
   */
  @Test
  void aResumedChargeOfASubjectStoredWithWhitespaceStillChargesItsTeam() {
    RowJournal journal = new RowJournal();
    restartWith(journal);
    budget("1.00", null);
    quota.admin().putPolicy(
        Policy.builder("team:*").budget(Budget.of("USD", Money.of("1.00"), null, null)).failMode(FailMode.OPEN).build(),
        ADMIN, "t");
    UsageEntry row = new UsageEntry("row-padded", clock.instant(), Map.of("user", "alice ", "team", "search"),
        Money.of("0.30"), Map.of("requests", 1L), null, null, Money.ZERO);
    ledger.append(row);
    journal.owed(row);
    quota.close();

    quota = engine(journaled(journal));
    assertThat(quota.resumeOwedCharges(journal.snapshot())).isEqualTo(1);
    assertThat(quota.replayOwedCharges()).isZero();

    assertThat(dropped).hasValue(0);
    assertThat(journal.rows).as("settled once applied").isEmpty();
    assertThat(quota.usage(Subject.of("team", "search")).stream().filter(l -> l.kind() == LimitKind.BUDGET_DAILY)
        .findFirst().orElseThrow().usedAmount()).isEqualByComparingTo("0.30");
  }

  /** A process applied the charge and died before its journal heard: the next one's replay is a repeat. */
  @Test
  void aChargeAppliedByAProcessThatDiedBeforeSettlingItIsNotChargedAgain() {
    RowJournal journal = new RowJournal();
    restartWith(journal);
    budget("1.00", null);
    store.goDown();
    record("alice", "0.30");
    List<UsageEntry> leftByTheDeadProcess = journal.snapshot();
    store.comeBack();
    assertThat(quota.replayOwedCharges()).isZero();
    quota.close();

    quota = engine(journaled(journal));
    quota.resumeOwedCharges(leftByTheDeadProcess);
    assertThat(quota.replayOwedCharges()).isZero();

    assertThat(used("alice", LimitKind.BUDGET_DAILY)).isEqualByComparingTo("0.30");
    assertThat(journal.rows).isEmpty();
  }

  /** The store lost its counters while no engine ran: the rebuild from the ledger counts the rows, the replay nothing. */
  @Test
  void resumedChargesForCountersTheStoreLostAreLeftToTheRebuild() {
    RowJournal journal = new RowJournal();
    restartWith(journal);
    budget("1.00", null);
    record("alice", "0.10");
    store.goDown();
    record("alice", "0.30");
    quota.close();
    clock.advance(Duration.ofMinutes(10));

    store.comeBackEmpty();
    quota = engine(journaled(journal));
    quota.resumeOwedCharges(journal.snapshot());
    assertThat(used("alice", LimitKind.BUDGET_DAILY)).as("rebuilt from the ledger").isEqualByComparingTo("0.40");
    assertThat(quota.replayOwedCharges()).isZero();

    assertThat(used("alice", LimitKind.BUDGET_DAILY)).isEqualByComparingTo("0.40");
    assertThat(journal.rows).isEmpty();
  }

  /** A resumed charge whose day ended while no engine ran still charges the month, at the row's time. */
  @Test
  void aResumedChargeCountsForThePeriodsOfItsRowsTime() {
    RowJournal journal = new RowJournal();
    restartWith(journal);
    budget("1.00", "10.00");
    record("alice", "0.10");
    store.goDown();
    record("alice", "0.30");
    quota.close();
    clock.advance(Duration.ofDays(1));

    quota = engine(journaled(journal));
    quota.resumeOwedCharges(journal.snapshot());
    store.comeBack();
    assertThat(quota.replayOwedCharges()).isZero();

    assertThat(used("alice", LimitKind.BUDGET_DAILY)).as("a new day").isEqualByComparingTo("0");
    assertThat(used("alice", LimitKind.BUDGET_MONTHLY)).isEqualByComparingTo("0.40");
  }

  /** Without a test's call: the replay follows the first decision the store answers. */
  @Test
  void theEngineReplaysByItselfOnceTheStoreAnswers() throws InterruptedException {
    quota.close();
    quota = engine(Quota.builder());
    budget("1.00", null);
    store.goDown();
    record("alice", "0.60");
    store.comeBack();
    assertThat(quota.check(Fixtures.userCost("bob", "0.01")).admitted()).isTrue();

    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (quota.owedCharges() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(5); // the replay thread's work, not time passing for the engine
    }
    assertThat(quota.owedCharges()).isZero();
    assertThat(used("alice", LimitKind.BUDGET_DAILY)).isEqualByComparingTo("0.60");
  }

  /** A guarded call admitted without a reservation (fail-open) records its actual cost instead of committing. */
  @Test
  void aGuardedCallThatFailedOpenRecordsItsCost() throws Exception {
    budget("1.00", null);
    store.goDown();
    QuotaGuard guard = new QuotaGuard(quota);
    String out = guard.call(Fixtures.userCost("alice", "0.10"), () -> "ran", r -> QuotaGuard.Usage.of(Money.of("0.70")));
    assertThat(out).isEqualTo("ran");
    assertThat(guard.callAsync(Fixtures.userCost("alice", "0.10"),
        () -> java.util.concurrent.CompletableFuture.completedFuture("later"),
        r -> QuotaGuard.Usage.of(Money.of("0.20"))).get()).isEqualTo("later");
    assertThat(spentToday("alice")).isEqualByComparingTo("0.90");

    store.comeBack();
    quota.replayOwedCharges();
    assertThat(used("alice", LimitKind.BUDGET_DAILY)).isEqualByComparingTo("0.90");
  }

  /**
   * A guarded call retried under its idempotency key while the store is away runs, and costs,
   * each time: each cost is charged, and none is refused as a conflicting reuse of the key, which
   * would lose the result of a call that already ran.
   */
  @Test
  void aGuardedCallRetriedUnderItsKeyWhileFailedOpenChargesEachRun() throws Exception {
    budget("1.00", null);
    store.goDown();
    QuotaGuard guard = new QuotaGuard(quota);
    QuotaRequest call = QuotaRequest.builder().user("alice").estimatedCost("0.10").idempotencyKey("call-7").build();
    assertThat(guard.call(call, () -> "first", r -> QuotaGuard.Usage.of(Money.of("0.30")))).isEqualTo("first");
    assertThat(guard.call(call, () -> "retry", r -> QuotaGuard.Usage.of(Money.of("0.25")))).isEqualTo("retry");
    assertThat(spentToday("alice")).isEqualByComparingTo("0.55");

    store.comeBack();
    quota.replayOwedCharges();
    assertThat(used("alice", LimitKind.BUDGET_DAILY)).isEqualByComparingTo("0.55");
    assertThat(guard.call(call, () -> "after", r -> QuotaGuard.Usage.of(Money.of("0.05")))).isEqualTo("after");
  }

  /** A prepared request admitted without a reservation (fail-open) charges its estimate as a commit would. */
  @Test
  void aPreparedRequestThatFailedOpenChargesItsEstimate() {
    budget("1.00", null);
    PreparedRequest prepared = quota.prepare(Fixtures.userCost("alice", "0.25"));
    store.goDown();
    assertThat(prepared.tryAcquire()).isTrue();
    assertThat(prepared.tryAcquire()).isTrue();
    assertThat(spentToday("alice")).isEqualByComparingTo("0.50");

    store.comeBack();
    quota.replayOwedCharges();
    assertThat(used("alice", LimitKind.BUDGET_DAILY)).isEqualByComparingTo("0.50");
  }
}
