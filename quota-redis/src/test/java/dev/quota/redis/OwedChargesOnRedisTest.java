package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Budget;
import dev.quota.FailMode;
import dev.quota.LimitKind;
import dev.quota.Money;
import dev.quota.Policy;
import dev.quota.Quota;
import dev.quota.QuotaListener;
import dev.quota.QuotaRequest;
import dev.quota.Subject;
import dev.quota.admin.MemoryConfigRepository;
import dev.quota.alert.Alert;
import dev.quota.ledger.MemoryLedger;
import dev.quota.store.conformance.MutableClock;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Usage recorded while Redis hangs (a private redis-server frozen with SIGSTOP) fails open to the
 * ledger, and its budget charges reach Redis once it runs again: the subject cannot overspend
 * after the outage. Replays are made by the test's call, so that each test orders them among its
 * other calls.
 */
class OwedChargesOnRedisTest {
  private RedisServerProcess server;
  /** The store's clock runs ahead of Redis time by this much, so that tests move both clocks together. */
  private final AtomicLong offsetMs = new AtomicLong();
  private MutableClock clock;
  private final MemoryConfigRepository config = new MemoryConfigRepository();
  private final MemoryLedger ledger = new MemoryLedger();
  private Quota quota;
  private final List<Alert> alerts = new CopyOnWriteArrayList<>();

  /**
   * Starts the store's clock and the engine's at 23:00 of the day before Redis's, so that Redis
   * starts its epoch then (at the first budget it lacks) and today's counters it lacks were never
   * lost; then moves both to noon, clear of either end of the day.
   */
  @BeforeEach
  void start() throws Exception {
    server = new RedisServerProcess();
    RedisStore store = RedisStore.builder().uri(server.uri()).prefix("owed:").timeout(Duration.ofMillis(100))
        .testClockOffset(offsetMs::get).build();
    long now = store.nowMs();
    Instant lateYesterday = Instant.ofEpochMilli(now).truncatedTo(ChronoUnit.DAYS).minus(Duration.ofHours(1));
    offsetMs.set(lateYesterday.toEpochMilli() - now);
    clock = new MutableClock(lateYesterday);
    quota = Quota.builder().clock(clock).store(store).config(config).ledger(ledger)
        .listener(new QuotaListener() {
          @Override public void onAlert(Alert alert) {
            alerts.add(alert);
          }
        })
        .replayOwedChargesInBackground(false).build();
    quota.admin().putPolicy(
        Policy.builder("user:*").budget(Budget.of("USD", Money.of("1.00"), null, null)).failMode(FailMode.OPEN).build(),
        "admin@test", "t");
    quota.record(usage("warm-up", "0.01"));
    advance(Duration.ofHours(13));
  }

  @AfterEach
  void stop() throws Exception {
    quota.close(); // closes its store
    server.close();
  }

  private void advance(Duration d) {
    clock.advance(d);
    offsetMs.addAndGet(d.toMillis());
  }

  private static QuotaRequest usage(String user, String cost) {
    return QuotaRequest.builder().user(user).estimatedCost(cost).build();
  }

  private BigDecimal usedToday(String user) {
    return quota.usage(Subject.of("user", user)).stream()
        .filter(l -> l.kind() == LimitKind.BUDGET_DAILY).findFirst().orElseThrow().usedAmount();
  }

  /** Records {@code costs} for alice while Redis is frozen, each failing open, and lets Redis run again. */
  private void recordWhileRedisHangs(String user, String... costs) throws Exception {
    server.pause();
    try {
      for (String cost : costs) {
        assertThat(quota.record(usage(user, cost)).failOpen()).isTrue();
      }
    } finally {
      server.resume();
    }
  }

  @Test
  void usageRecordedWhileRedisHangsIsChargedOnceItRuns() throws Exception {
    quota.record(usage("alice", "0.10"));
    recordWhileRedisHangs("alice", "0.30", "0.30", "0.30");
    assertThat(quota.owedCharges()).isEqualTo(3);

    assertThat(quota.replayOwedCharges()).isZero();

    assertThat(usedToday("alice")).isEqualByComparingTo("1.00");
    assertThat(quota.reserve(usage("alice", "0.50")).admitted()).isFalse();
  }

  /** Redis lost its data (FLUSHALL) after the outage: the replay leaves the budget to the ledger's rebuild. */
  @Test
  void aFlushedRedisIsRebuiltFromTheLedgerAndTheReplayAddsNothing() throws Exception {
    quota.record(usage("alice", "0.10"));
    recordWhileRedisHangs("alice", "0.30", "0.30");
    server.admin().flushall();

    assertThat(quota.replayOwedCharges()).isZero();

    assertThat(usedToday("alice")).isEqualByComparingTo("0.70");
  }

  /** As above, with a read rebuilding the budget before the replay comes. */
  @Test
  void aBudgetRebuiltBeforeTheReplayIsNotChargedAgain() throws Exception {
    quota.record(usage("alice", "0.10"));
    recordWhileRedisHangs("alice", "0.30", "0.30");
    server.admin().flushall();
    assertThat(usedToday("alice")).isEqualByComparingTo("0.70");

    assertThat(quota.replayOwedCharges()).isZero();

    assertThat(usedToday("alice")).isEqualByComparingTo("0.70");
  }

  @Test
  void aResetAfterTheOutageForgivesWhatItsSubjectOwes() throws Exception {
    recordWhileRedisHangs("alice", "0.30");
    recordWhileRedisHangs("bob", "0.30");
    advance(Duration.ofSeconds(1));
    quota.admin().resetSubject(Subject.of("user", "alice"), "admin@test", "a new start");

    assertThat(quota.replayOwedCharges()).isZero();

    assertThat(usedToday("alice")).isEqualByComparingTo("0");
    assertThat(usedToday("bob")).isEqualByComparingTo("0.30");
  }

  /**
   * The levels only the usage recorded while Redis hung reaches were counted by no counter before
   * Redis lost its data: the budget rebuilt from the ledger alerts them, once.
   */
  @Test
  void levelsCrossedWhileRedisHungAreAlertedOnceWhenItsFlushedBudgetIsRebuilt() throws Exception {
    quota.record(usage("alice", "0.10"));
    recordWhileRedisHangs("alice", "0.45", "0.40");
    server.admin().flushall();
    assertThat(quota.replayOwedCharges()).isZero();
    assertThat(alerts).isEmpty();

    assertThat(usedToday("alice")).isEqualByComparingTo("0.95");
    quota.record(usage("alice", "0.01"));

    assertThat(alerts).extracting(a -> a.threshold().stripTrailingZeros().toPlainString())
        .containsExactly("0.8", "0.9", "0.95");
  }
}
