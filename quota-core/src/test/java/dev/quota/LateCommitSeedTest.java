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
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A reservation open when its subject was reset, or when a new budget period began, and committed
 * after it: the store charged the commit to the counters the reservation held, so neither the
 * counter the reset started afresh nor the new period's counted it. The ledger wrote it with the
 * commit's time, and a budget rebuilt from the ledger after the store was lost counted it all the
 * same. A rebuilt budget must hold what the live one held. A restart here keeps the configuration
 * and the ledger (the durable parts) and loses the store.
 */
class LateCommitSeedTest {
  private static final Subject ALICE = Subject.of("user", "alice");
  private static final Subject CORE = Subject.of("team", "core");
  private final MemoryConfigRepository config = new MemoryConfigRepository();
  private final MemoryLedger ledger = new MemoryLedger();

  private Quota start(Clock clock) {
    return Quota.builder().clock(clock).config(config).ledger(ledger).store(new MemoryStore(clock)).build();
  }

  private static void budgets(Quota q) {
    q.admin().putPolicy(
        Policy.builder("user:*").budget(Budget.of("USD", Money.of("1.00"), Money.of("3.00"), null)).build(), ADMIN, "t");
    q.admin().putPolicy(
        Policy.builder("team:*").budget(Budget.of("USD", Money.of("5.00"), null, null)).build(), ADMIN, "t");
  }

  private static Decision reserve(Quota q, String cost) {
    Decision d = q.reserve(QuotaRequest.builder().user("alice").team("core").estimatedCost(cost).build());
    assertThat(d.admitted()).isTrue();
    return d;
  }

  private static BigDecimal used(Quota q, Subject subject, LimitKind kind) {
    return q.usage(subject).stream()
        .filter(l -> l.kind() == kind)
        .map(LimitStatus::usedAmount)
        .findFirst()
        .orElseThrow();
  }

  @Test
  void aReservationOpenAcrossAResetIsNotCountedAgainWhenItsBudgetIsRebuilt() {
    MutableClock clock = Fixtures.clock();
    Quota live = start(clock);
    budgets(live);
    Decision open = reserve(live, "0.40");
    clock.advance(Duration.ofMinutes(1));
    live.admin().resetSubject(ALICE, ADMIN, "support ticket");
    clock.advance(Duration.ofMinutes(1));
    live.commit(reserve(live, "0.20").reservationId(), Money.of("0.20"), Map.of());
    live.commit(open.reservationId(), Money.of("0.35"), Map.of());
    // The reset forgave the open reservation: its commit charged only the team, which was not reset.
    assertThat(used(live, ALICE, LimitKind.BUDGET_DAILY)).isEqualByComparingTo("0.20");
    assertThat(used(live, ALICE, LimitKind.BUDGET_MONTHLY)).isEqualByComparingTo("0.20");
    assertThat(used(live, CORE, LimitKind.BUDGET_DAILY)).isEqualByComparingTo("0.55");
    live.close();

    clock.advance(Duration.ofMinutes(5));
    Quota rebuilt = start(clock);

    assertThat(used(rebuilt, ALICE, LimitKind.BUDGET_DAILY)).isEqualByComparingTo("0.20");
    assertThat(used(rebuilt, ALICE, LimitKind.BUDGET_MONTHLY)).isEqualByComparingTo("0.20");
    assertThat(used(rebuilt, CORE, LimitKind.BUDGET_DAILY)).isEqualByComparingTo("0.55");
    assertThat(rebuilt.check(QuotaRequest.builder().user("alice").estimatedCost("0.80").build()).admitted()).isTrue();
    // Forgiven, not erased: the ledger still holds both commits.
    assertThat(ledger.entries(Map.of("user", "alice"), Instant.EPOCH, clock.instant())).hasSize(2);
  }

  /** A commit charges the period its reservation was made in, as a late one at midnight shows. */
  @Test
  void aReservationOpenAcrossMidnightIsCountedInTheDayItWasMadeWhenItsBudgetIsRebuilt() {
    MutableClock clock = Fixtures.clock();
    Quota live = start(clock);
    budgets(live);
    clock.advance(Duration.ofHours(13).plusMinutes(59)); // 23:59
    Decision open = reserve(live, "0.40");
    clock.advance(Duration.ofMinutes(2));
    live.commit(open.reservationId(), Money.of("0.40"), Map.of());
    assertThat(used(live, ALICE, LimitKind.BUDGET_DAILY)).isEqualByComparingTo("0");
    assertThat(used(live, ALICE, LimitKind.BUDGET_MONTHLY)).isEqualByComparingTo("0.40");
    live.close();

    clock.advance(Duration.ofMinutes(5));
    Quota rebuilt = start(clock);

    assertThat(used(rebuilt, ALICE, LimitKind.BUDGET_DAILY)).isEqualByComparingTo("0");
    assertThat(used(rebuilt, ALICE, LimitKind.BUDGET_MONTHLY)).isEqualByComparingTo("0.40");
  }

  /**
   * A store keeps a reservation's time to the millisecond, and the reset's may be finer: one made
   * after the reset within the same millisecond counted live, and counts when rebuilt.
   */
  @Test
  void aReservationMadeAfterAResetWithinItsMillisecondCountsWhenItsBudgetIsRebuilt() {
    MicrosClock clock = new MicrosClock(Instant.parse("2026-06-15T10:00:00.000300Z"));
    Quota live = start(clock);
    budgets(live);
    live.admin().resetSubject(ALICE, ADMIN, "support ticket");
    clock.advance(400);
    Decision d = reserve(live, "0.40");
    live.commit(d.reservationId(), Money.of("0.40"), Map.of());
    assertThat(used(live, ALICE, LimitKind.BUDGET_DAILY)).isEqualByComparingTo("0.40");
    live.close();

    clock.advance(Duration.ofMinutes(5).toNanos() / 1000);
    Quota rebuilt = start(clock);

    assertThat(used(rebuilt, ALICE, LimitKind.BUDGET_DAILY)).isEqualByComparingTo("0.40");
  }

  /** A clock that keeps microseconds, as the system clock does, and moves only when a test moves it. */
  private static final class MicrosClock extends Clock {
    private final AtomicLong micros;

    MicrosClock(Instant start) {
      this.micros = new AtomicLong(ChronoUnit.MICROS.between(Instant.EPOCH, start));
    }

    void advance(long micros) {
      this.micros.addAndGet(micros);
    }

    @Override
    public long millis() {
      return Math.floorDiv(micros.get(), 1000);
    }

    @Override
    public Instant instant() {
      return Instant.EPOCH.plus(micros.get(), ChronoUnit.MICROS);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException("a test clock has one zone: UTC");
    }
  }
}
