package dev.quota.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.internal.Ids;
import dev.quota.plan.BudgetOp;
import dev.quota.plan.ConcurrencyOp;
import dev.quota.plan.CounterKey;
import dev.quota.plan.CounterKeys;
import dev.quota.plan.CounterOp;
import dev.quota.plan.Plan;
import dev.quota.plan.PlanResult;
import dev.quota.plan.SettleResult;
import dev.quota.plan.Settlement;
import dev.quota.store.conformance.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/**
 * Many reservations held at once, with interleaved expiry times, settled or left to expire: every
 * hold and slot comes back exactly once, when it should, and every settlement is answered as a
 * repeat, a conflict or an expiry afterwards.
 */
class HeldReservationsTest {
  private static final Instant START = Instant.parse("2026-06-15T10:00:00Z");
  private static final int SUBJECTS = 5;
  private static final long DAY = 86_400_000L;
  /** Alert levels are shared per policy, as the engine shares them: ops compare arrays by identity. */
  private static final long[] NO_THRESHOLDS = new long[0];

  private final MutableClock clock = new MutableClock(START);
  private final long periodStart = clock.millis() - 3_600_000L;

  /** A reservation as the test expects it. */
  private static final class Expected {
    final String id;
    final int subject;
    final long amount;
    final long expiresAtMs;
    final String payload;
    String fingerprint; // of its settlement; null while held or once expired

    Expected(String id, int subject, long amount, long expiresAtMs, String payload) {
      this.id = id;
      this.subject = subject;
      this.amount = amount;
      this.expiresAtMs = expiresAtMs;
      this.payload = payload;
    }
  }

  @Property(tries = 30)
  void holdsComeBackExactlyOnceWhetherSettledOrExpired(@ForAll long seed) {
    Random rnd = new Random(seed);
    MemoryStore store = new MemoryStore(clock);
    List<Expected> held = new ArrayList<>();
    List<Expected> gone = new ArrayList<>();
    long[] committed = new long[SUBJECTS];
    for (int step = 0; step < 1_500; step++) {
      int what = rnd.nextInt(20);
      if (what < 10) {
        int s = rnd.nextInt(SUBJECTS);
        long amount = 10 * (1 + rnd.nextInt(3));
        long ttl = new long[] {1_000, 5_000, 300_000, 1 + rnd.nextInt(20_000)}[rnd.nextInt(4)];
        // Engine ids and other ids; payloads shared by a subject's requests, or unique.
        String id = rnd.nextBoolean() ? Ids.newId() : "res-" + step + "-" + seed;
        String payload = rnd.nextInt(4) == 0 ? "p-" + id : "p-subject-" + s;
        PlanResult r = store.apply(new Plan(Plan.Kind.RESERVE, ops(s, amount), id, ttl, null, null, payload, false));
        assertThat(r.admitted()).isTrue();
        held.add(new Expected(id, s, amount, r.nowMs() + ttl, payload));
      } else if (what < 14 && !held.isEmpty()) {
        Expected e = held.remove(rnd.nextInt(held.size()));
        boolean commit = rnd.nextBoolean();
        long actual = rnd.nextInt(50);
        Settlement settlement = commit ? Settlement.commit(e.id, actual, Map.of()) : Settlement.release(e.id);
        SettleResult result = store.settle(settlement);
        if (e.expiresAtMs <= clock.millis()) {
          assertThat(result.status()).isEqualTo(SettleResult.Status.EXPIRED);
        } else {
          assertThat(result.status()).isEqualTo(SettleResult.Status.SETTLED);
          assertThat(result.payload()).isEqualTo(e.payload);
          assertThat(result.heldNanos()).isEqualTo(e.amount);
          e.fingerprint = settlement.fingerprint();
          if (commit) {
            committed[e.subject] += actual;
          }
        }
        gone.add(e);
      } else if (what < 16 && !gone.isEmpty()) {
        Expected e = gone.get(rnd.nextInt(gone.size()));
        Settlement again = rnd.nextBoolean() ? Settlement.release(e.id) : Settlement.commit(e.id, 7, Map.of());
        SettleResult.Status status = store.settle(again).status();
        if (e.fingerprint == null) {
          assertThat(status).isEqualTo(SettleResult.Status.EXPIRED);
        } else {
          assertThat(status)
              .isEqualTo(again.fingerprint().equals(e.fingerprint) ? SettleResult.Status.REPEATED : SettleResult.Status.CONFLICT);
        }
      } else {
        clock.advance(Duration.ofMillis(rnd.nextInt(3_000)));
        // Those due by now expire; they count as gone, with no settlement of their own.
        for (int i = held.size() - 1; i >= 0; i--) {
          if (held.get(i).expiresAtMs <= clock.millis()) {
            gone.add(held.remove(i));
          }
        }
      }
      if (step % 25 == 0 || step == 1_499) {
        assertCounters(store, held, committed);
      }
    }
    clock.advance(Duration.ofMinutes(6));
    held.forEach(gone::add);
    held.clear();
    assertCounters(store, held, committed);
    assertThat(store.heldCount()).isZero();
  }

  @Test
  void reservationsOfEqualOpsShareOneShapeWhichGoesWithTheLast() {
    MemoryStore store = new MemoryStore(clock);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      String id = Ids.newId();
      ids.add(id);
      // A fresh list of fresh ops each time, as a compilation makes them.
      // Estimates differ from request to request; the shape does not.
      store.apply(new Plan(Plan.Kind.RESERVE, ops(i % 3, 10 + i), id, 60_000, null, null, "p" + (i % 3), false));
    }
    assertThat(store.heldCount()).isEqualTo(300);
    assertThat(store.heldShapeCount()).isEqualTo(3);
    for (int i = 0; i < 150; i++) {
      SettleResult released = store.settle(Settlement.release(ids.get(i)));
      assertThat(released.payload()).isEqualTo("p" + (i % 3));
      assertThat(released.heldNanos()).isEqualTo(10 + i);
    }
    long stillHeld = 0;
    for (int i = 150; i < 300; i++) {
      stillHeld += i % 3 == 0 ? 10 + i : 0;
    }
    assertThat(budgetUsed(store, 0)).isEqualTo(stillHeld);
    assertThat(store.heldShapeCount()).isEqualTo(3);
    clock.advance(Duration.ofMinutes(1));
    store.apply(new Plan(Plan.Kind.CHECK, ops(0, 0), null, 0, null, null, null, false));
    assertThat(store.heldCount()).isZero();
    assertThat(store.heldShapeCount()).isZero();
    for (int i = 0; i < 300; i++) {
      SettleResult.Status expected = i < 150 ? SettleResult.Status.REPEATED : SettleResult.Status.EXPIRED;
      assertThat(store.settle(Settlement.release(ids.get(i))).status()).isEqualTo(expected);
    }
  }

  @Test
  void aReservationExpiresAtItsTimeNotBefore() {
    MemoryStore store = new MemoryStore(clock);
    String late = Ids.newId();
    String early = "other-id";
    store.apply(new Plan(Plan.Kind.RESERVE, ops(0, 10), late, 2_000, null, null, null, false));
    store.apply(new Plan(Plan.Kind.RESERVE, ops(0, 20), early, 1_000, null, null, null, false));
    clock.advance(Duration.ofMillis(999));
    assertThat(budgetUsed(store, 0)).isEqualTo(30);
    clock.advance(Duration.ofMillis(1));
    assertThat(budgetUsed(store, 0)).isEqualTo(10);
    clock.advance(Duration.ofMillis(999));
    assertThat(budgetUsed(store, 0)).isEqualTo(10);
    assertThat(slotsUsed(store, 0)).isEqualTo(1);
    clock.advance(Duration.ofMillis(1));
    assertThat(budgetUsed(store, 0)).isZero();
    assertThat(slotsUsed(store, 0)).isZero();
    assertThat(store.settle(Settlement.release(late)).status()).isEqualTo(SettleResult.Status.EXPIRED);
    assertThat(store.settle(Settlement.release(early)).status()).isEqualTo(SettleResult.Status.EXPIRED);
  }

  @Test
  void budgetsHoldingDifferentAmountsEachGetTheirOwnBack() {
    MemoryStore store = new MemoryStore(clock);
    String subject = CounterKeys.subjectOf(dev.quota.Subject.of("user", "u0"));
    CounterKey monthKey = CounterKeys.budget(subject, "USD", "monthly", periodStart);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      List<CounterOp> ops = new ArrayList<>(ops(0, 10 + i));
      // A second budget holding another amount: such a plan keeps its ops' amounts.
      ops.add(new BudgetOp(monthKey, true, "m", 1L << 60, 100 + i, periodStart, periodStart + DAY, NO_THRESHOLDS));
      String id = Ids.newId();
      ids.add(id);
      store.apply(new Plan(Plan.Kind.RESERVE, ops, id, 1_000 * (i + 1), null, null, null, false));
    }
    assertThat(budgetUsed(store, 0)).isEqualTo(10 + 11 + 12 + 13);
    assertThat(used(store, monthKey)).isEqualTo(100 + 101 + 102 + 103);
    SettleResult committed = store.settle(Settlement.commit(ids.get(3), 5, Map.of()));
    assertThat(committed.heldNanos()).isEqualTo(103);
    assertThat(budgetUsed(store, 0)).isEqualTo(10 + 11 + 12 + 5);
    assertThat(used(store, monthKey)).isEqualTo(100 + 101 + 102 + 5);
    clock.advance(Duration.ofMillis(2_000));
    assertThat(budgetUsed(store, 0)).isEqualTo(12 + 5);
    assertThat(used(store, monthKey)).isEqualTo(102 + 5);
    clock.advance(Duration.ofMillis(1_000));
    assertThat(budgetUsed(store, 0)).isEqualTo(5);
    assertThat(used(store, monthKey)).isEqualTo(5);
  }

  @Test
  void racingReservesSettlementsAndExpiriesReturnEveryHoldOnce() throws Exception {
    MemoryStore store = new MemoryStore(clock);
    int threads = 4;
    java.util.concurrent.atomic.AtomicLong committed = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads + 1);
    try {
      java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
      List<java.util.concurrent.Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int seed = t;
        done.add(pool.submit(() -> {
          Random rnd = new Random(seed);
          start.await();
          List<String> mine = new ArrayList<>();
          for (int i = 0; i < 3_000; i++) {
            String id = Ids.newId();
            store.apply(new Plan(Plan.Kind.RESERVE, ops(rnd.nextInt(SUBJECTS), 10), id, 1 + rnd.nextInt(50), null, null, null, false));
            mine.add(id);
            if (rnd.nextInt(3) == 0) {
              String settle = mine.remove(rnd.nextInt(mine.size()));
              if (store.settle(Settlement.commit(settle, 3, Map.of())).status() == SettleResult.Status.SETTLED) {
                committed.addAndGet(3);
              }
            }
          }
          return null;
        }));
      }
      done.add(pool.submit(() -> {
        start.await();
        for (int i = 0; i < 2_000; i++) {
          clock.advance(Duration.ofMillis(1));
          Thread.yield();
        }
        return null;
      }));
      start.countDown();
      for (java.util.concurrent.Future<?> f : done) {
        f.get(60, java.util.concurrent.TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    clock.advance(Duration.ofMillis(100));
    long total = 0;
    for (int s = 0; s < SUBJECTS; s++) {
      total += budgetUsed(store, s);
      assertThat(slotsUsed(store, s)).isZero();
    }
    assertThat(total).isEqualTo(committed.get());
    assertThat(store.heldCount()).isZero();
    assertThat(store.heldShapeCount()).isZero();
  }

  private long used(MemoryStore store, CounterKey key) {
    BudgetOp probe = new BudgetOp(key, true, "m", 1L << 60, 0, periodStart, periodStart + DAY, NO_THRESHOLDS);
    return store.apply(new Plan(Plan.Kind.CHECK, List.of(probe), null, 0, null, null, null, false)).results().get(0).used();
  }

  private void assertCounters(MemoryStore store, List<Expected> held, long[] committed) {
    for (int s = 0; s < SUBJECTS; s++) {
      long holds = 0;
      int slots = 0;
      for (Expected e : held) {
        if (e.subject == s) {
          holds += e.amount;
          slots++;
        }
      }
      assertThat(budgetUsed(store, s)).as("budget of subject %d", s).isEqualTo(holds + committed[s]);
      assertThat(slotsUsed(store, s)).as("slots of subject %d", s).isEqualTo(slots);
    }
    assertThat(store.heldCount()).isEqualTo(held.size());
  }

  /**
   * A settlement reads the counters its reservation's ops last found, which a reset may have
   * replaced since: one made after a reset shares the shape of one made before it (equal ops, one
   * list), whose counters are the reset's old ones, and must settle on the new counters.
   */
  @Test
  void aReservationMadeAfterAResetSettlesOnTheNewCountersThoughItSharesTheShapeOfOneMadeBefore() {
    MemoryStore store = new MemoryStore(clock);
    List<CounterOp> ops = ops(0, 40);
    String before = Ids.newId();
    String after = Ids.newId();
    assertThat(store.apply(new Plan(Plan.Kind.RESERVE, ops, before, 60_000, null, "fp", null, false)).admitted()).isTrue();
    store.reset(CounterKeys.subjectOf(dev.quota.Subject.of("user", "u0")));
    clock.advance(Duration.ofMillis(1));
    assertThat(store.apply(new Plan(Plan.Kind.RESERVE, ops, after, 60_000, null, "fp", null, false)).admitted()).isTrue();
    assertThat(store.heldShapeCount()).isEqualTo(1);

    SettleResult released = store.settle(Settlement.release(after));
    assertThat(released.budgets()).extracting(SettleResult.BudgetChange::usedNanos).containsExactly(0L);
    assertThat(budgetUsed(store, 0)).isZero();
    assertThat(slotsUsed(store, 0)).isZero();
    // the one made before the reset was forgiven with it: its release leaves the new counters alone
    store.settle(Settlement.release(before));
    assertThat(budgetUsed(store, 0)).isZero();
    assertThat(slotsUsed(store, 0)).isZero();
  }

  /**
   * Reservations of one ops list made and settled in turn take up the shape the previous one left,
   * unless it lends another payload: each settlement hands back its own reservation's payload.
   */
  @Test
  void reservationsMadeAndSettledInTurnHandBackTheirOwnPayloads() {
    MemoryStore store = new MemoryStore(clock);
    List<CounterOp> ops = ops(0, 40);
    for (String payload : List.of("a", "a", "b", "a", "b", "b")) {
      String id = Ids.newId();
      assertThat(store.apply(new Plan(Plan.Kind.RESERVE, ops, id, 60_000, null, "fp", payload, false)).admitted()).isTrue();
      assertThat(store.heldShapeCount()).isEqualTo(1);
      assertThat(store.settle(Settlement.commit(id, 10, Map.of())).payload()).isEqualTo(payload);
      assertThat(store.heldShapeCount()).isZero();
    }
    assertThat(budgetUsed(store, 0)).isEqualTo(60);
    assertThat(slotsUsed(store, 0)).isZero();
  }

  private long budgetUsed(MemoryStore store, int s) {
    return store.apply(new Plan(Plan.Kind.CHECK, ops(s, 0), null, 0, null, null, null, false)).results().get(0).used();
  }

  private long slotsUsed(MemoryStore store, int s) {
    return store.apply(new Plan(Plan.Kind.CHECK, ops(s, 0), null, 0, null, null, null, false)).results().get(1).used();
  }

  private List<CounterOp> ops(int s, long amount) {
    String subject = CounterKeys.subjectOf(dev.quota.Subject.of("user", "u" + s));
    return List.of(
        new BudgetOp(CounterKeys.budget(subject, "USD", "daily", periodStart), true, "b", 1L << 60, amount,
            periodStart, periodStart + DAY, NO_THRESHOLDS),
        new ConcurrencyOp(CounterKeys.concurrency(subject), true, "c", 1_000_000));
  }
}
