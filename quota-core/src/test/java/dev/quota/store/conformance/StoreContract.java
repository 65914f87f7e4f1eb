package dev.quota.store.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Algorithm;
import dev.quota.RateLimit;
import dev.quota.Subject;
import dev.quota.plan.BudgetOp;
import dev.quota.plan.CaughtUp;
import dev.quota.plan.ConcurrencyOp;
import dev.quota.plan.CounterKey;
import dev.quota.plan.CounterKeys;
import dev.quota.plan.CounterOp;
import dev.quota.plan.Holding;
import dev.quota.plan.OpResult;
import dev.quota.plan.Plan;
import dev.quota.plan.PlanResult;
import dev.quota.plan.PlanResult.Status;
import dev.quota.plan.Predecessor;
import dev.quota.plan.RateOp;
import dev.quota.plan.SettleResult;
import dev.quota.plan.Settlement;
import dev.quota.store.Store;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link Store} must show, run unchanged against each backend (the in-memory
 * store is the reference). A fixture supplies the store and a way to move the store's clock without
 * sleeping. Stores whose clock also runs on its own (Redis time plus a test offset) may drift by a
 * few milliseconds between calls, so expectations are derived from the {@code nowMs} the store
 * reports and margins are far larger than such drift.
 *
 * <p>Every test uses fresh subjects, reservation ids and idempotency keys, so a fixture may share
 * one store between tests.
 */
public abstract class StoreContract {
  protected static final Duration MINUTE = Duration.ofMinutes(1);
  private static final long HOUR_MS = 3_600_000L;

  /** The store under test; the same instance for the whole test method. */
  protected abstract Store store();

  /** Moves the store's clock forward by {@code d}. */
  protected abstract void advance(Duration d);

  /** The store's clock now, in epoch milliseconds. */
  protected abstract long storeNowMs();

  /**
   * Lets the store drop counters back at rest (empty windows, full buckets), as it may at any
   * time: a store that drops them by itself (Redis deletes an empty window) need do nothing.
   */
  protected void dropCountersAtRest() {}

  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private volatile long periodStartMs;
  private volatile long periodEndMs;

  /** The budget period of this test, fixed at first use (a subclass's fixture is ready by then). */
  private synchronized void fixPeriod() {
    if (periodEndMs == 0) {
      long now = storeNowMs();
      periodStartMs = now - HOUR_MS;
      periodEndMs = now + 24 * HOUR_MS; // written last: other threads test it without the lock
    }
  }

  // ---- building plans -------------------------------------------------------------------------

  protected String subject(String name) {
    return CounterKeys.subjectOf(Subject.of("user", name + "-" + run));
  }

  protected static RateOp rate(String subject, long limit, Duration window, Algorithm algorithm, long amount) {
    RateLimit l = new RateLimit(RateLimit.REQUESTS, limit, window, algorithm);
    return new RateOp(CounterKeys.rate(subject, l), true, "rate", l, amount);
  }

  /** {@code amount} of a limit of 100 tokens a minute. */
  protected static RateOp tokens(String subject, Algorithm algorithm, long amount) {
    RateLimit l = new RateLimit("tokens", 100, MINUTE, algorithm);
    return new RateOp(CounterKeys.rate(subject, l), true, "tokens", l, amount);
  }

  protected static RateOp perMinute(String subject, long limit) {
    return rate(subject, limit, MINUTE, Algorithm.SLIDING_WINDOW, 1);
  }

  protected BudgetOp budget(String subject, long limitNanos, long amountNanos, long... thresholds) {
    fixPeriod();
    return budgetIn(subject, limitNanos, amountNanos, periodStartMs, periodEndMs, thresholds);
  }

  protected static BudgetOp budgetIn(
      String subject, long limitNanos, long amountNanos, long startMs, long endMs, long... thresholds) {
    CounterKey key = CounterKeys.budget(subject, "USD", "test", startMs);
    return new BudgetOp(key, true, "budget", limitNanos, amountNanos, startMs, endMs, thresholds);
  }

  protected static ConcurrencyOp slots(String subject, int max) {
    return new ConcurrencyOp(CounterKeys.concurrency(subject), true, "slots", max);
  }

  protected static Plan check(CounterOp... ops) {
    return new Plan(Plan.Kind.CHECK, List.of(ops), null, 0, null, "check", null, false);
  }

  protected static Plan record(CounterOp... ops) {
    return new Plan(Plan.Kind.RECORD, List.of(ops), null, 0, null, "record", null, false);
  }

  protected static Plan reserve(String id, long ttlMs, CounterOp... ops) {
    return new Plan(Plan.Kind.RESERVE, List.of(ops), id, ttlMs, null, "reserve", "payload-" + id, false);
  }

  protected Plan reserve(CounterOp... ops) {
    return reserve(newId(), 60_000, ops);
  }

  protected String newId() {
    return "res-" + UUID.randomUUID();
  }

  private PlanResult apply(Plan plan) {
    return store().apply(plan);
  }

  private OpResult checked(CounterOp op) {
    PlanResult r = apply(check(op));
    assertThat(r.status()).isEqualTo(Status.APPLIED);
    return r.results().get(0);
  }

  private static PlanResult admitted(PlanResult r) {
    assertThat(r.status()).isEqualTo(Status.APPLIED);
    assertThat(r.admitted()).as("admitted: %s", r).isTrue();
    return r;
  }

  private static PlanResult denied(PlanResult r) {
    assertThat(r.status()).isEqualTo(Status.APPLIED);
    assertThat(r.admitted()).as("denied: %s", r).isFalse();
    return r;
  }

  // ---- sliding window -------------------------------------------------------------------------

  @Test
  void slidingWindowAdmitsTheLimitAndNamesWhenTheOldestSliceLeaves() {
    RateOp op = perMinute(subject("sw"), 5);
    long firstNow = 0;
    long lastNow = 0;
    for (int i = 1; i <= 5; i++) {
      PlanResult r = admitted(apply(reserve(op)));
      assertThat(r.results().get(0).used()).isEqualTo(i);
      firstNow = i == 1 ? r.nowMs() : firstNow;
      lastNow = r.nowMs();
    }
    PlanResult refused = denied(apply(reserve(op)));
    OpResult o = refused.results().get(0);
    assertThat(o.allowed()).isFalse();
    assertThat(o.used()).isEqualTo(5);
    // capacity returns when the oldest slice's latest admission leaves the window, never earlier
    // (one millisecond past the window: a stamp of t may stand for any time up to t + 1 ms)
    assertThat(o.retryAtMs()).isEqualTo(o.resetAtMs()).isBetween(firstNow + 60_001, lastNow + 60_001);

    advance(Duration.ofMillis(o.retryAtMs() - refused.nowMs() - 100));
    denied(apply(reserve(op)));
    advance(Duration.ofMillis(100));
    admitted(apply(reserve(op)));
  }

  @Test
  void slidingWindowNeverAdmitsMoreThanTheLimitInAnyWindowLongInterval() {
    RateOp op = perMinute(subject("strict"), 2);
    PlanResult first = admitted(apply(record(op)));
    advance(Duration.ofSeconds(30));
    admitted(apply(reserve(op)));
    advance(Duration.ofSeconds(29));
    PlanResult refused = denied(apply(reserve(op)));
    long retry = refused.results().get(0).retryAtMs();
    assertThat(retry).isGreaterThanOrEqualTo(first.nowMs() + 60_000);

    advance(Duration.ofMillis(retry - refused.nowMs()));
    admitted(apply(reserve(op)));
    // the second unit is still inside the window
    denied(apply(reserve(op)));
  }

  @Test
  void aRequestLargerThanTheLimitCanNeverSucceed() {
    String s = subject("huge");
    OpResult o = denied(apply(reserve(rate(s, 5, MINUTE, Algorithm.SLIDING_WINDOW, 6)))).results().get(0);
    assertThat(o.retryAtMs()).isEqualTo(-1);
    OpResult b = denied(apply(reserve(rate(s, 5, MINUTE, Algorithm.TOKEN_BUCKET, 6)))).results().get(0);
    assertThat(b.retryAtMs()).isEqualTo(-1);
  }

  /**
   * A sliding window counts at most 2^53-1: recorded usage beyond it saturates rather than grow
   * past what JSON clients and the Redis store's doubles hold exactly.
   */
  @Test
  void aSlidingWindowSaturatesAtTwoToTheFiftyThreeMinusOne() {
    String s = subject("sw-saturate");
    long max = (1L << 53) - 1;
    Duration month = Duration.ofDays(31);
    for (int i = 0; i < 3; i++) {
      PlanResult r = admitted(apply(record(rate(s, 1_000_000_000_000L, month, Algorithm.SLIDING_WINDOW, max))));
      assertThat(r.results().get(0).used()).isEqualTo(max);
    }
    OpResult o = denied(apply(check(rate(s, 1_000_000_000_000L, month, Algorithm.SLIDING_WINDOW, 1)))).results().get(0);
    assertThat(o.used()).isEqualTo(max);
    assertThat(o.retryAtMs()).isGreaterThan(storeNowMs() + month.toMillis() - 60_000);
    // a window as large as the counter itself still takes what fits
    admitted(apply(check(rate(s, max, month, Algorithm.SLIDING_WINDOW, 0))));
  }

  /** Ten to the twelfth a month: a sliding window's limit needs no room for the window's length. */
  @Test
  void aSlidingWindowOfATrillionAMonthIsExact() {
    String s = subject("sw-trillion");
    RateOp all = rate(s, 1_000_000_000_000L, Duration.ofDays(31), Algorithm.SLIDING_WINDOW, 999_999_999_999L);
    assertThat(admitted(apply(reserve(all))).results().get(0).used()).isEqualTo(999_999_999_999L);
    assertThat(admitted(apply(reserve(rate(s, 1_000_000_000_000L, Duration.ofDays(31), Algorithm.SLIDING_WINDOW, 1))))
        .results().get(0).used()).isEqualTo(1_000_000_000_000L);
    denied(apply(reserve(rate(s, 1_000_000_000_000L, Duration.ofDays(31), Algorithm.SLIDING_WINDOW, 1))));
  }

  // ---- token bucket ---------------------------------------------------------------------------

  @Test
  void tokenBucketRefillsContinuously() {
    RateOp op = rate(subject("tb"), 10, Duration.ofSeconds(10), Algorithm.TOKEN_BUCKET, 1);
    for (int i = 1; i <= 10; i++) {
      assertThat(admitted(apply(reserve(op))).results().get(0).used()).isEqualTo(i);
    }
    PlanResult refused = denied(apply(reserve(op)));
    OpResult o = refused.results().get(0);
    assertThat(o.used()).isEqualTo(10);
    assertThat(o.retryAtMs()).isGreaterThan(refused.nowMs()).isLessThanOrEqualTo(refused.nowMs() + 1000);
    assertThat(o.resetAtMs()).isGreaterThan(refused.nowMs()).isLessThanOrEqualTo(refused.nowMs() + 10_000);

    advance(Duration.ofMillis(o.retryAtMs() - refused.nowMs()));
    admitted(apply(reserve(op)));
    denied(apply(reserve(op)));
    advance(Duration.ofSeconds(10));
    OpResult full = checked(op);
    assertThat(full.used()).isZero();
    assertThat(full.resetAtMs()).isZero();
  }

  /**
   * A policy (or an override) changes a bucket's limit: the bucket keeps the tokens it holds and
   * refills at the new rate from then on, on every store alike, rather than one store keeping the
   * limit the bucket was made with until it happens to be dropped.
   */
  @Test
  void aTokenBucketFollowsItsLimitWhenThePolicyChangesIt() {
    String s = subject("tb-changed");
    Duration window = Duration.ofSeconds(10);
    for (int i = 0; i < 10; i++) {
      admitted(apply(reserve(rate(s, 10, window, Algorithm.TOKEN_BUCKET, 1))));
    }
    denied(apply(reserve(rate(s, 10, window, Algorithm.TOKEN_BUCKET, 1))));

    // Raised to 100: still empty now, but a tenth of the window brings 10, not 1.
    OpResult raised = denied(apply(check(rate(s, 100, window, Algorithm.TOKEN_BUCKET, 1)))).results().get(0);
    assertThat(raised.used()).isEqualTo(100);
    advance(Duration.ofSeconds(1));
    PlanResult took = admitted(apply(reserve(rate(s, 100, window, Algorithm.TOKEN_BUCKET, 10))));
    assertThat(took.results().get(0).used()).isEqualTo(100);
    denied(apply(reserve(rate(s, 100, window, Algorithm.TOKEN_BUCKET, 1))));

    // Lowered to 5 after a full refill: it holds no more than the new limit.
    advance(window);
    assertThat(checked(rate(s, 100, window, Algorithm.TOKEN_BUCKET, 1)).used()).isZero();
    admitted(apply(reserve(rate(s, 5, window, Algorithm.TOKEN_BUCKET, 5))));
    denied(apply(reserve(rate(s, 5, window, Algorithm.TOKEN_BUCKET, 1))));
  }

  // ---- a rate limit given another window or algorithm ------------------------------------------

  /** {@code amount} of a limit made in place of {@code predecessors}, each kept until {@code untilMs}. */
  private static RateOp after(RateOp op, long untilMs, RateOp... predecessors) {
    List<Predecessor> from = new ArrayList<>();
    for (RateOp p : predecessors) {
      from.add(new Predecessor(p.key(), p.limit(), untilMs));
    }
    return new RateOp(op.key(), op.enforced(), op.label(), op.limit(), op.amount(), from);
  }

  @Test
  void aWindowMadeInPlaceOfAnotherStartsFromItsCount() {
    String s = subject("carry-ww");
    RateOp minute = rate(s, 10, MINUTE, Algorithm.SLIDING_WINDOW, 1);
    for (int i = 0; i < 6; i++) {
      admitted(apply(reserve(minute)));
    }
    long until = storeNowMs() + MINUTE.toMillis();
    RateOp hour = after(rate(s, 10, Duration.ofHours(1), Algorithm.SLIDING_WINDOW, 1), until, minute);
    assertThat(admitted(apply(reserve(hour))).results().get(0).used()).isEqualTo(7);
    for (int i = 0; i < 3; i++) {
      admitted(apply(reserve(hour)));
    }
    denied(apply(reserve(hour)));
    // the carried use stays in the hour's window after the minute's has let it go
    advance(Duration.ofMinutes(2));
    assertThat(checked(minute).used()).isZero();
    denied(apply(reserve(hour)));
  }

  @Test
  void aBucketMadeInPlaceOfAWindowHoldsWhatTheWindowHadLeft() {
    String s = subject("carry-wb");
    RateOp window = rate(s, 10, MINUTE, Algorithm.SLIDING_WINDOW, 4);
    admitted(apply(reserve(window)));
    RateOp bucket = after(rate(s, 10, MINUTE, Algorithm.TOKEN_BUCKET, 6), storeNowMs() + MINUTE.toMillis(), window);
    assertThat(admitted(apply(reserve(bucket))).results().get(0).used()).isEqualTo(10);
    denied(apply(reserve(rate(s, 10, MINUTE, Algorithm.TOKEN_BUCKET, 1))));
  }

  @Test
  void aWindowMadeInPlaceOfABucketCountsWhatTheBucketLacks() {
    String s = subject("carry-bw");
    RateOp bucket = rate(s, 10, MINUTE, Algorithm.TOKEN_BUCKET, 10);
    admitted(apply(record(bucket)));
    advance(Duration.ofSeconds(30)); // five tokens back
    RateOp window = after(rate(s, 10, MINUTE, Algorithm.SLIDING_WINDOW, 1), storeNowMs() + MINUTE.toMillis(), bucket);
    assertThat(checked(window).used()).isEqualTo(5);
    for (int i = 0; i < 5; i++) {
      admitted(apply(reserve(window)));
    }
    denied(apply(reserve(window)));
  }

  @Test
  void aCounterCarriesTheMostAnyOfItsPredecessorsUsed() {
    String s = subject("carry-most");
    RateOp minute = rate(s, 10, MINUTE, Algorithm.SLIDING_WINDOW, 3);
    RateOp bucket = rate(s, 10, MINUTE, Algorithm.TOKEN_BUCKET, 8);
    admitted(apply(record(minute, bucket)));
    RateOp hour = after(rate(s, 10, Duration.ofHours(1), Algorithm.SLIDING_WINDOW, 2), storeNowMs() + 60_000, minute,
        bucket);
    assertThat(admitted(apply(reserve(hour))).results().get(0).used()).isEqualTo(10);
  }

  @Test
  void aPredecessorPastItsEndOrACounterThatExistsCarriesNothing() {
    String s = subject("carry-none");
    RateOp minute = rate(s, 10, MINUTE, Algorithm.SLIDING_WINDOW, 10);
    admitted(apply(record(minute)));
    long until = storeNowMs() + 5_000;
    RateOp bucket = after(rate(s, 10, MINUTE, Algorithm.TOKEN_BUCKET, 1), until, minute);
    advance(Duration.ofSeconds(10));
    assertThat(admitted(apply(reserve(bucket))).results().get(0).used()).isEqualTo(1);

    RateOp hour = rate(s, 10, Duration.ofHours(1), Algorithm.SLIDING_WINDOW, 1);
    admitted(apply(reserve(hour)));
    RateOp carrying = after(hour, storeNowMs() + MINUTE.toMillis(), minute);
    assertThat(admitted(apply(reserve(carrying))).results().get(0).used()).isEqualTo(2);
  }

  /** Many first calls at once on a counter whose predecessor is spent: the carry is part of each decision. */
  @Test
  void concurrentFirstCallsAfterAChangeAllFindThePredecessorsUse() throws Exception {
    String s = subject("carry-race");
    RateOp minute = rate(s, 10, MINUTE, Algorithm.SLIDING_WINDOW, 10);
    admitted(apply(record(minute)));
    long until = storeNowMs() + MINUTE.toMillis();
    RateOp window = after(rate(s, 10, Duration.ofMinutes(2), Algorithm.SLIDING_WINDOW, 1), until, minute);
    RateOp bucket = after(rate(s, 10, MINUTE, Algorithm.TOKEN_BUCKET, 1), until, minute);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Boolean>> calls = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        RateOp op = i % 2 == 0 ? window : bucket;
        calls.add(pool.submit(() -> {
          start.await();
          return apply(reserve(op)).admitted();
        }));
      }
      start.countDown();
      for (Future<Boolean> c : calls) {
        assertThat(c.get(10, TimeUnit.SECONDS)).isFalse();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aShorterWindowCarriesOnlyTheSlicesOfTheLongerWithinItsLength() {
    String s = subject("carry-short");
    Duration hour = Duration.ofHours(1);
    RateOp hourly = rate(s, 1000, hour, Algorithm.SLIDING_WINDOW, 500);
    admitted(apply(record(hourly)));
    advance(Duration.ofMinutes(2));
    admitted(apply(record(rate(s, 1000, hour, Algorithm.SLIDING_WINDOW, 30))));
    advance(Duration.ofSeconds(50));
    long until = storeNowMs() + hour.toMillis();
    RateOp minute = after(rate(s, 100, MINUTE, Algorithm.SLIDING_WINDOW, 1), until, hourly);
    assertThat(checked(minute).used()).isEqualTo(30);
    // once a minute has passed since the thirty, a second new counter carries nothing
    advance(Duration.ofSeconds(11));
    RateOp bucket = after(rate(s, 100, MINUTE, Algorithm.TOKEN_BUCKET, 100), until, hourly);
    assertThat(admitted(apply(reserve(bucket))).results().get(0).used()).isEqualTo(100);
    assertThat(checked(hourly).used()).isEqualTo(530);
  }

  @Test
  void aShorterCounterCarriesABucketsUseUpToItsOwnLimit() {
    String s = subject("carry-bucket-short");
    Duration hour = Duration.ofHours(1);
    RateOp hourly = rate(s, 1000, hour, Algorithm.TOKEN_BUCKET, 1000);
    admitted(apply(record(hourly)));
    advance(MINUTE); // sixteen tokens back
    long until = storeNowMs() + hour.toMillis();
    RateOp minute = after(rate(s, 100, MINUTE, Algorithm.SLIDING_WINDOW, 1), until, hourly);
    assertThat(checked(minute).used()).isEqualTo(100);
    RateOp bucket = after(rate(s, 100, MINUTE, Algorithm.TOKEN_BUCKET, 1), until, hourly);
    assertThat(checked(bucket).used()).isEqualTo(100);
  }

  /**
   * A new counter dropped at rest while its predecessor is still kept starts afresh: the old use
   * was carried once, and its time has passed. Another new counter still carries it.
   */
  @Test
  void aPredecessorSeedsEachNewCounterOnce() {
    String s = subject("carry-once");
    Duration hour = Duration.ofHours(1);
    RateOp hourly = rate(s, 100, hour, Algorithm.TOKEN_BUCKET, 100);
    admitted(apply(record(hourly)));
    long until = storeNowMs() + hour.toMillis();
    RateOp minute = after(rate(s, 10, MINUTE, Algorithm.SLIDING_WINDOW, 1), until, hourly);
    denied(apply(reserve(minute)));
    advance(MINUTE.plusSeconds(1));
    assertThat(checked(minute).used()).isZero();
    dropCountersAtRest();
    for (int i = 0; i < 10; i++) {
      admitted(apply(reserve(minute)));
    }
    denied(apply(reserve(minute)));
    RateOp bucket = after(rate(s, 10, MINUTE, Algorithm.TOKEN_BUCKET, 1), until, hourly);
    denied(apply(reserve(bucket)));
  }

  /**
   * A predecessor's bucket is read as a bucket of the predecessor's limit, and stays the bucket of
   * the limit its own op states, whichever op of the plan comes first.
   */
  @Test
  void readingAPredecessorsBucketLeavesItToTheLimitThatUsesIt() {
    String s = subject("carry-bucket-limit");
    Duration window = Duration.ofSeconds(30);
    RateOp bucketAtOne = rate(s, 1, window, Algorithm.TOKEN_BUCKET, 1);
    long emptyUntil = admitted(apply(record(bucketAtOne))).results().get(0).resetAtMs();
    RateOp asItWas = rate(s, 2, window, Algorithm.TOKEN_BUCKET, 1); // its limit before it was lowered
    long until = storeNowMs() + MINUTE.toMillis();
    RateOp first = after(rate(s, 5, Duration.ofSeconds(2), Algorithm.SLIDING_WINDOW, 1), until, asItWas);
    RateOp second = after(rate(s, 5, Duration.ofSeconds(3), Algorithm.SLIDING_WINDOW, 1), until, asItWas);
    PlanResult bucketFirst = apply(check(bucketAtOne, first));
    PlanResult bucketLast = apply(check(second, bucketAtOne));
    for (OpResult bucket : List.of(bucketFirst.results().get(0), bucketLast.results().get(1))) {
      assertThat(bucket.used()).isEqualTo(1);
      assertThat(bucket.resetAtMs()).isEqualTo(emptyUntil);
    }
    // two tokens short of the two it held, well before one came back
    assertThat(bucketFirst.results().get(1).used()).isEqualTo(2);
    assertThat(bucketLast.results().get(0).used()).isEqualTo(2);
  }

  /**
   * A commit's overrun charges its reservation's counters in turn, so a counter it makes in place of
   * a bucket it has just charged starts from that charge, even where the bucket had been reset
   * away (Redis once read a bucket without a key as full, though the same call had charged it), and
   * even where the bucket is read at the limit it had before (Redis once read the stored bucket,
   * without the call's charge).
   */
  @Test
  void aCounterACommitMakesCarriesWhatTheSameCommitChargedItsPredecessor() {
    for (long predecessorLimit : new long[] {100, 120}) {
      String s = subject("carry-commit-" + predecessorLimit);
      RateOp bucket = tokens(s, Algorithm.TOKEN_BUCKET, 9);
      RateLimit asItWas = new RateLimit("tokens", predecessorLimit, MINUTE, Algorithm.TOKEN_BUCKET);
      RateOp sliding = tokens(s, Algorithm.SLIDING_WINDOW, 9);
      RateOp window = new RateOp(sliding.key(), true, "tokens", sliding.limit(), 9,
          List.of(new Predecessor(bucket.key(), asItWas, storeNowMs() + 10 * MINUTE.toMillis())));
      String id = newId();
      admitted(apply(reserve(id, 60_000, bucket, window)));
      store().reset(s); // both counters go, and with them what the window carried
      advance(Duration.ofSeconds(1));
      assertThat(store().settle(Settlement.commit(id, 0, Map.of("tokens", 14L))).status())
          .isEqualTo(SettleResult.Status.SETTLED);
      // the bucket is charged the five over first, then the window is made: five over of its own,
      // and what the bucket, read at its limit as it was, lacks (five, or twenty-five of 120)
      PlanResult r = apply(check(tokens(s, Algorithm.TOKEN_BUCKET, 0), tokens(s, Algorithm.SLIDING_WINDOW, 0)));
      assertThat(r.results().get(0).used()).isEqualTo(5);
      assertThat(r.results().get(1).used()).as("limit as it was: %s", predecessorLimit)
          .isEqualTo(5 + predecessorLimit - 95);
    }
  }

  /** A reset starts the subject afresh: what its predecessors seeded before is forgotten too. */
  @Test
  void aResetForgetsWhichCountersAPredecessorSeeded() {
    String s = subject("carry-reset");
    RateOp minute = rate(s, 10, MINUTE, Algorithm.SLIDING_WINDOW, 10);
    admitted(apply(record(minute)));
    RateOp bucket = after(rate(s, 10, MINUTE, Algorithm.TOKEN_BUCKET, 1), storeNowMs() + 10 * MINUTE.toMillis(),
        minute);
    denied(apply(reserve(bucket)));
    store().reset(s);
    advance(Duration.ofSeconds(1));
    admitted(apply(record(minute))); // counted by an engine not yet on the change
    denied(apply(reserve(bucket)));
  }

  /**
   * A bucket whose limit changes is what its last charge left, refilled at the new limit since:
   * checks and refused requests in between (which a store need not write down) change nothing.
   * The in-memory store once counted from its last read of the bucket instead, and so answered
   * differently from Redis, which writes a bucket only when it charges it.
   */
  @Test
  void aTokenBucketWhoseLimitChangesCountsFromItsLastChargeNotFromReadsSince() {
    Duration window = Duration.ofSeconds(10);
    String never = subject("tb-read-only");
    assertThat(checked(rate(never, 3, window, Algorithm.TOKEN_BUCKET, 1)).used()).isZero();
    OpResult raised = checked(rate(never, 5, window, Algorithm.TOKEN_BUCKET, 5));
    assertThat(raised.used()).isZero();
    assertThat(raised.allowed()).isTrue();

    String s = subject("tb-read-then-raised");
    for (int i = 0; i < 10; i++) {
      admitted(apply(reserve(rate(s, 10, window, Algorithm.TOKEN_BUCKET, 1))));
    }
    advance(Duration.ofSeconds(5));
    assertThat(checked(rate(s, 10, window, Algorithm.TOKEN_BUCKET, 1)).used()).isEqualTo(5);
    // five seconds since the last charge, at 10 a second
    assertThat(checked(rate(s, 100, window, Algorithm.TOKEN_BUCKET, 1)).used()).isEqualTo(50);
  }

  @Test
  void meteredOverrunLeavesATokenBucketInDebt() {
    String s = subject("debt");
    String id = newId();
    admitted(apply(reserve(id, 60_000, rate(s, 10, Duration.ofSeconds(10), Algorithm.TOKEN_BUCKET, 5))));
    SettleResult settled = store().settle(Settlement.commit(id, 0, Map.of(RateLimit.REQUESTS, 25L)));
    assertThat(settled.status()).isEqualTo(SettleResult.Status.SETTLED);
    PlanResult after = denied(apply(check(rate(s, 10, Duration.ofSeconds(10), Algorithm.TOKEN_BUCKET, 1))));
    OpResult o = after.results().get(0);
    assertThat(o.used()).isEqualTo(25);
    // 15 tokens of debt plus the one asked for, at one token per second
    assertThat(o.retryAtMs()).isGreaterThan(after.nowMs() + 15_000).isLessThanOrEqualTo(after.nowMs() + 16_000);
  }

  /**
   * Recorded usage far beyond a small bucket (5 x 10^12 tokens against 100 an hour) once wrapped
   * the in-memory level around and let requests through again; on Redis it was refused. The debt
   * saturates instead, at 1,024 full buckets: the bucket admits nothing until that is repaid.
   */
  @Test
  void recordedUsageFarBeyondATokenBucketSaturatesItsDebt() {
    String s = subject("tb-saturate");
    Duration hour = Duration.ofHours(1);
    long deepest = 100 + 1024 * 100;
    PlanResult recorded = admitted(apply(record(rate(s, 100, hour, Algorithm.TOKEN_BUCKET, 5_000_000_000_000L))));
    assertThat(recorded.results().get(0).used()).isEqualTo(deepest);
    apply(record(rate(s, 100, hour, Algorithm.TOKEN_BUCKET, (1L << 53) - 1)));
    PlanResult refused = denied(apply(reserve(rate(s, 100, hour, Algorithm.TOKEN_BUCKET, 1))));
    OpResult o = refused.results().get(0);
    assertThat(o.used()).isEqualTo(deepest);
    assertThat(o.retryAtMs() - refused.nowMs()).isBetween(1024 * hour.toMillis(), 1025 * hour.toMillis());
    assertThat(o.resetAtMs()).isGreaterThan(o.retryAtMs());

    advance(hour);
    denied(apply(reserve(rate(s, 100, hour, Algorithm.TOKEN_BUCKET, 1))));
    advance(Duration.ofMillis(o.retryAtMs() - refused.nowMs() - hour.toMillis()));
    admitted(apply(reserve(rate(s, 100, hour, Algorithm.TOKEN_BUCKET, 1))));
  }

  /** A commit's meters far beyond a bucket are charged too, saturating as recorded usage does. */
  @Test
  void aCommitFarBeyondATokenBucketSaturatesItsDebt() {
    String s = subject("tb-commit");
    RateOp op = rate(s, 10, Duration.ofSeconds(10), Algorithm.TOKEN_BUCKET, 5);
    String id = newId();
    admitted(apply(reserve(id, 60_000, op)));
    SettleResult settled = store().settle(Settlement.commit(id, 0, Map.of(RateLimit.REQUESTS, (1L << 53) - 1)));
    assertThat(settled.status()).isEqualTo(SettleResult.Status.SETTLED);
    OpResult o = denied(apply(check(rate(s, 10, Duration.ofSeconds(10), Algorithm.TOKEN_BUCKET, 1)))).results().get(0);
    assertThat(o.used()).isEqualTo(10 + 1024 * 10);
  }

  /**
   * A month-long bucket refills in ticks of 40,870 ms (65,535 to the window), so a billion tokens
   * a month fit exactly: after one tick a drained bucket holds floor(10^9 / 65,535) tokens.
   */
  @Test
  void aLongWindowBucketRefillsInWholeTicks() {
    String s = subject("tb-month");
    Duration month = Duration.ofDays(31);
    long limit = 1_000_000_000L;
    admitted(apply(record(rate(s, limit, month, Algorithm.TOKEN_BUCKET, limit))));
    PlanResult refused = denied(apply(check(rate(s, limit, month, Algorithm.TOKEN_BUCKET, 1))));
    OpResult o = refused.results().get(0);
    assertThat(o.used()).isEqualTo(limit);
    assertThat(o.retryAtMs()).isGreaterThan(refused.nowMs()).isLessThanOrEqualTo(refused.nowMs() + 40_870);
    advance(Duration.ofMillis(o.retryAtMs() - refused.nowMs()));
    long perTick = limit / 65_535;
    denied(apply(check(rate(s, limit, month, Algorithm.TOKEN_BUCKET, perTick + 1))));
    PlanResult took = admitted(apply(reserve(rate(s, limit, month, Algorithm.TOKEN_BUCKET, perTick))));
    assertThat(took.results().get(0).used()).isEqualTo(limit);
  }

  /**
   * Between ticks a bucket is full again once a continuous refill would have filled it: an hour's
   * bucket of 100,000 refills 100,000 units of 1/65,455 token per 55 ms tick, so a token taken is
   * back after 37 ms, before the tick. (A bucket that waited for the tick while a continuous one
   * was full would later get a tick's refill early.)
   */
  @Test
  void aBucketIsFullAgainBetweenTicksOnceAContinuousRefillWouldBe() {
    RateOp one = rate(subject("tb-between"), 100_000, Duration.ofHours(1), Algorithm.TOKEN_BUCKET, 1);
    PlanResult took = admitted(apply(record(one)));
    assertThat(took.results().get(0).used()).isEqualTo(1);
    assertThat(took.results().get(0).resetAtMs()).isEqualTo(took.nowMs() + 37);
    advance(Duration.ofMillis(37));
    OpResult full = checked(one);
    assertThat(full.used()).isZero();
    assertThat(full.resetAtMs()).isZero();
  }

  // ---- budgets --------------------------------------------------------------------------------

  @Test
  void budgetHoldsAreReplacedByTheActualCostOnCommitAndReturnedOnRelease() {
    String s = subject("budget");
    String a = newId();
    PlanResult held = admitted(apply(reserve(a, 60_000, budget(s, 100, 60))));
    assertThat(held.results().get(0)).isEqualTo(new OpResult(true, 60, periodEndMs, 0, 0));
    assertThat(held.expiresAtMs()).isEqualTo(held.nowMs() + 60_000);

    OpResult refused = denied(apply(reserve(budget(s, 100, 50)))).results().get(0);
    assertThat(refused).isEqualTo(new OpResult(false, 60, periodEndMs, periodEndMs, 0));

    SettleResult committed = store().settle(Settlement.commit(a, 30, Map.of()));
    assertThat(committed.status()).isEqualTo(SettleResult.Status.SETTLED);
    assertThat(committed.heldNanos()).isEqualTo(60);
    assertThat(committed.payload()).isEqualTo("payload-" + a);
    assertThat(committed.budgets())
        .containsExactly(new SettleResult.BudgetChange("budget", budget(s, 100, 0).key(), 100, 30, 0));

    String b = newId();
    assertThat(admitted(apply(reserve(b, 60_000, budget(s, 100, 50)))).results().get(0).used()).isEqualTo(80);
    SettleResult released = store().settle(Settlement.release(b));
    assertThat(released.status()).isEqualTo(SettleResult.Status.SETTLED);
    assertThat(released.budgets().get(0).usedNanos()).isEqualTo(30);

    assertThat(checked(budget(s, 100, 70)).allowed()).isTrue();
    OpResult tooMuch = checked(budget(s, 100, 71));
    assertThat(tooMuch.allowed()).isFalse();
    assertThat(tooMuch.used()).isEqualTo(30);
    assertThat(checked(budget(s, 100, 101)).retryAtMs()).isEqualTo(-1);
  }

  @Test
  void aCommitAboveTheEstimateIsChargedInFullAndFiresExhaustion() {
    String s = subject("overrun");
    String id = newId();
    admitted(apply(reserve(id, 60_000, budget(s, 100, 10))));
    SettleResult c = store().settle(Settlement.commit(id, 150, Map.of()));
    SettleResult.BudgetChange change = c.budgets().get(0);
    assertThat(change.usedNanos()).isEqualTo(150);
    assertThat(change.firedThresholds() & OpResult.EXHAUSTED_BIT).isNotZero();
    OpResult o = denied(apply(reserve(budget(s, 100, 1)))).results().get(0);
    assertThat(o.used()).isEqualTo(150);
  }

  @Test
  void recordChargesUnconditionally() {
    String s = subject("record");
    PlanResult r = apply(record(budget(s, 100, 150), perMinute(s, 1), perMinute(s, 1)));
    assertThat(r.status()).isEqualTo(Status.APPLIED);
    assertThat(r.admitted()).isTrue();
    assertThat(r.results().get(0)).isEqualTo(new OpResult(false, 150, periodEndMs, -1, OpResult.EXHAUSTED_BIT));
    // two ops on one counter see the same state and both apply
    assertThat(r.results().get(1).used()).isEqualTo(2);
    assertThat(r.results().get(2).used()).isEqualTo(2);
  }

  @Test
  void thresholdsFireOncePerCounter() {
    String s = subject("alerts");
    long[] levels = {50, 80};
    int[] expected = {0, 1, 0, 2 | OpResult.EXHAUSTED_BIT, 0};
    long[] amounts = {40, 20, 5, 35, 1};
    for (int i = 0; i < amounts.length; i++) {
      OpResult o = apply(record(budget(s, 100, amounts[i], levels))).results().get(0);
      assertThat(o.firedThresholds()).as("after charge %d", i).isEqualTo(expected[i]);
    }
  }

  // ---- concurrency slots ----------------------------------------------------------------------

  @Test
  void concurrencySlotsAreHeldUntilSettled() {
    String s = subject("slots");
    String a = newId();
    PlanResult first = admitted(apply(reserve(a, 60_000, slots(s, 2))));
    assertThat(first.results().get(0).used()).isEqualTo(1);
    assertThat(admitted(apply(reserve(slots(s, 2)))).results().get(0).used()).isEqualTo(2);
    assertThat(checked(slots(s, 2)).allowed()).isFalse();
    OpResult refused = denied(apply(reserve(slots(s, 2)))).results().get(0);
    assertThat(refused).isEqualTo(new OpResult(false, 2, 0, first.expiresAtMs(), 0));
    assertThat(store().settle(Settlement.release(a)).status()).isEqualTo(SettleResult.Status.SETTLED);
    assertThat(admitted(apply(reserve(slots(s, 2)))).results().get(0).used()).isEqualTo(2);
  }

  /**
   * A full cap names when a slot frees by itself: the soonest expiry among the reservations holding
   * its slots, by the store's clock. Settling that reservation moves the time to the next one.
   */
  @Test
  void aFullConcurrencyCapNamesWhenItsFirstHeldSlotExpires() {
    String s = subject("slots-retry");
    PlanResult later = admitted(apply(reserve(newId(), 30_000, slots(s, 2))));
    String soonest = newId();
    PlanResult sooner = admitted(apply(reserve(soonest, 10_000, slots(s, 2))));
    assertThat(sooner.expiresAtMs()).isLessThan(later.expiresAtMs());

    assertThat(denied(apply(reserve(slots(s, 2)))).results().get(0).retryAtMs()).isEqualTo(sooner.expiresAtMs());
    assertThat(checked(slots(s, 2)).retryAtMs()).isEqualTo(sooner.expiresAtMs());

    assertThat(store().settle(Settlement.release(soonest)).status()).isEqualTo(SettleResult.Status.SETTLED);
    admitted(apply(reserve(newId(), 60_000, slots(s, 2))));
    OpResult refused = denied(apply(reserve(slots(s, 2)))).results().get(0);
    assertThat(refused.retryAtMs()).isEqualTo(later.expiresAtMs());

    advance(Duration.ofMillis(refused.retryAtMs() - storeNowMs()));
    admitted(apply(reserve(slots(s, 2))));
  }

  /**
   * With more slots held than the cap allows (a cap lowered while they were held), one frees only
   * once enough of them have expired; a slot that expires in the very call that is refused is not
   * named.
   */
  @Test
  void aCapBelowTheSlotsHeldNamesWhenEnoughOfThemHaveExpired() {
    String s = subject("slots-lowered");
    long[] expiries = new long[3];
    for (int i = 0; i < 3; i++) {
      expiries[i] = admitted(apply(reserve(newId(), 10_000L * (i + 1), slots(s, 3)))).expiresAtMs();
    }
    assertThat(checked(slots(s, 2)).retryAtMs()).isEqualTo(expiries[1]);
    assertThat(checked(slots(s, 1)).retryAtMs()).isEqualTo(expiries[2]);

    advance(Duration.ofMillis(expiries[0] - storeNowMs()));
    OpResult refused = denied(apply(reserve(slots(s, 2)))).results().get(0);
    assertThat(refused.used()).isEqualTo(2);
    assertThat(refused.retryAtMs()).isEqualTo(expiries[1]);
  }

  // ---- reservation expiry ---------------------------------------------------------------------

  @Test
  void anExpiredReservationReleasesItsHoldsAndSlots() {
    String s = subject("expiry");
    String id = newId();
    PlanResult r = admitted(apply(reserve(id, 10_000, budget(s, 100, 60), slots(s, 1))));
    assertThat(r.expiresAtMs()).isEqualTo(r.nowMs() + 10_000);
    denied(apply(reserve(budget(s, 100, 60), slots(s, 1))));

    advance(Duration.ofMillis(r.expiresAtMs() - r.nowMs()));
    PlanResult again = admitted(apply(reserve(budget(s, 100, 60), slots(s, 1))));
    assertThat(again.results().get(0).used()).isEqualTo(60);
    assertThat(again.results().get(1).used()).isEqualTo(1);
    assertThat(store().settle(Settlement.commit(id, 60, Map.of())).status()).isEqualTo(SettleResult.Status.EXPIRED);
    assertThat(store().settle(Settlement.release(id)).status()).isEqualTo(SettleResult.Status.EXPIRED);
    assertThat(checked(budget(s, 100, 0)).used()).isEqualTo(60);
  }

  /**
   * Settlements racing the release of their expired reservations are each told it expired, never
   * that it is unknown (which tells a caller to record the cost as usage); the holds come back once.
   */
  @Test
  void settlementsRacingTheirReservationsExpiryAreToldItExpired() throws Exception {
    String s = subject("expiry-race");
    List<String> ids = new ArrayList<>();
    long expiresIn = 0;
    for (int i = 0; i < 64; i++) {
      String id = newId();
      ids.add(id);
      PlanResult r = admitted(apply(reserve(id, 10_000, budget(s, 1_000_000, 100), slots(s, 64))));
      expiresIn = r.expiresAtMs() - storeNowMs();
    }
    advance(Duration.ofMillis(expiresIn + 1));
    // each thread commits the ids in its own order, so some settle first and some find them released
    List<SettleResult.Status> answers =
        commitFromThreads(4, t -> java.util.stream.IntStream.range(0, ids.size())
            .mapToObj(i -> ids.get((i * 7 + t * 16) % ids.size())).toList());
    assertThat(answers).hasSize(4 * 64).containsOnly(SettleResult.Status.EXPIRED);
    assertThat(checked(budget(s, 1_000_000, 0)).used()).isZero();
    assertThat(checked(slots(s, 64)).used()).isZero();
  }

  /**
   * A held reservation can be looked up by its id, with what the engine filed with it and when it
   * expires; one settled, expired at the store's time (whether or not a call has released it yet)
   * or never made is not held. Looking does not keep a reservation from expiring or settling.
   */
  @Test
  void aHeldReservationIsFoundUntilItIsSettledOrExpires() {
    String s = subject("holding");
    String kept = newId();
    String settled = newId();
    PlanResult r = admitted(apply(reserve(kept, 10_000, budget(s, 100, 30), slots(s, 5))));
    admitted(apply(reserve(settled, 60_000, budget(s, 100, 30), slots(s, 5))));

    assertThat(store().holding(kept)).contains(new Holding("payload-" + kept, r.expiresAtMs()));
    assertThat(store().holding(settled)).map(Holding::payload).contains("payload-" + settled);
    assertThat(store().holding(newId())).isEmpty();

    assertThat(store().settle(Settlement.release(settled)).status()).isEqualTo(SettleResult.Status.SETTLED);
    assertThat(store().holding(settled)).isEmpty();

    advance(Duration.ofMillis(r.expiresAtMs() - r.nowMs() - 1_000));
    assertThat(store().holding(kept)).isPresent();
    advance(Duration.ofMillis(1_000));
    assertThat(store().holding(kept)).as("past its expiry, not yet released by any call").isEmpty();
    assertThat(store().settle(Settlement.commit(kept, 30, Map.of())).status()).isEqualTo(SettleResult.Status.EXPIRED);
    assertThat(store().holding(kept)).isEmpty();
    assertThat(checked(budget(s, 100, 0)).used()).isZero();
  }

  /** A result names the reservation it filed (see {@link PlanResult}), and none when it filed none. */
  @Test
  void anAdmittedReservationNamesTheIdItWasFiledUnder() {
    String s = subject("filed");
    String id = newId();
    PlanResult filed = admitted(apply(reserve(id, 60_000, perMinute(s, 1), budget(s, 100, 10))));
    assertThat(filed.reservationId()).isEqualTo(id);
    assertThat(denied(apply(reserve(newId(), 60_000, perMinute(s, 1)))).reservationId()).isNull();
    assertThat(admitted(apply(check(budget(s, 100, 10)))).reservationId()).isNull();
    assertThat(admitted(apply(record(budget(s, 100, 10)))).reservationId()).isNull();
  }

  // ---- idempotency ----------------------------------------------------------------------------

  @Test
  void aRepeatedIdempotencyKeyReplaysTheFirstAnswerAndAConflictingOneChangesNothing() {
    String s = subject("idem");
    String key = "idem-" + UUID.randomUUID();
    String id = newId();
    List<CounterOp> ops = List.of(perMinute(s, 5), budget(s, 100, 60));
    Plan plan = new Plan(Plan.Kind.RESERVE, ops, id, 60_000, key, "fp-1", "p", false);
    PlanResult first = admitted(apply(plan));
    advance(Duration.ofSeconds(1));
    PlanResult replay = apply(plan);
    assertThat(replay.status()).isEqualTo(Status.REPLAYED);
    assertThat(replay.admitted()).isTrue();
    assertThat(replay.results()).isEqualTo(first.results());
    assertThat(replay.nowMs()).isEqualTo(first.nowMs());
    assertThat(replay.expiresAtMs()).isEqualTo(first.expiresAtMs());
    // The engine gives every call a fresh reservation id; a repeat must get the first one back.
    Plan repeat = new Plan(Plan.Kind.RESERVE, ops, newId(), 60_000, key, "fp-1", "p", false);
    assertThat(apply(repeat).reservationId()).isEqualTo(id);

    Plan other = new Plan(Plan.Kind.RESERVE, ops, newId(), 60_000, key, "fp-2", "p", false);
    PlanResult conflict = apply(other);
    assertThat(conflict.status()).isEqualTo(Status.CONFLICT);
    assertThat(conflict.admitted()).isFalse();
    assertThat(checked(perMinute(s, 5)).used()).isEqualTo(1);
    assertThat(checked(budget(s, 100, 0)).used()).isEqualTo(60);
  }

  @Test
  void aDeniedDecisionIsNotFiledUnderItsKey() {
    String s = subject("idem-deny");
    String key = "idem-" + UUID.randomUUID();
    RateOp perMinute = perMinute(s, 1);
    admitted(apply(reserve(perMinute)));
    Plan plan = new Plan(Plan.Kind.RESERVE, List.of(perMinute), newId(), 60_000, key, "fp", null, false);
    denied(apply(plan));
    // A retry once the window has room is decided afresh, not refused again as a replay ...
    advance(Duration.ofSeconds(61));
    PlanResult retried = admitted(apply(plan));
    assertThat(retried.status()).isEqualTo(Status.APPLIED);
    // ... and that admission is what the key answers from then on.
    PlanResult replay = apply(new Plan(Plan.Kind.RESERVE, List.of(perMinute), newId(), 60_000, key, "fp", null, false));
    assertThat(replay.status()).isEqualTo(Status.REPLAYED);
    assertThat(replay.admitted()).isTrue();
    assertThat(replay.reservationId()).isEqualTo(plan.reservationId());
    assertThat(checked(perMinute).used()).isEqualTo(1);
  }

  // ---- settlement outcomes --------------------------------------------------------------------

  @Test
  void settlementsAreIdempotentAndConflictsAreNamed() {
    String s = subject("settle");
    String a = newId();
    admitted(apply(reserve(a, 60_000, budget(s, 100, 50))));
    SettleResult first = store().settle(Settlement.commit(a, 10, Map.of()));
    assertThat(first.status()).isEqualTo(SettleResult.Status.SETTLED);
    SettleResult again = store().settle(Settlement.commit(a, 10, Map.of()));
    assertThat(again.status()).isEqualTo(SettleResult.Status.REPEATED);
    assertThat(again.heldNanos()).isEqualTo(50);
    assertThat(store().settle(Settlement.commit(a, 20, Map.of())).status()).isEqualTo(SettleResult.Status.CONFLICT);
    assertThat(store().settle(Settlement.release(a)).status()).isEqualTo(SettleResult.Status.CONFLICT);
    assertThat(checked(budget(s, 100, 0)).used()).isEqualTo(10);

    String b = newId();
    admitted(apply(reserve(b, 60_000, budget(s, 100, 50))));
    assertThat(store().settle(Settlement.release(b)).status()).isEqualTo(SettleResult.Status.SETTLED);
    assertThat(store().settle(Settlement.release(b)).status()).isEqualTo(SettleResult.Status.REPEATED);
    assertThat(store().settle(Settlement.commit(b, 5, Map.of())).status()).isEqualTo(SettleResult.Status.CONFLICT);
    assertThat(checked(budget(s, 100, 0)).used()).isEqualTo(10);

    assertThat(store().settle(Settlement.release(newId())).status()).isEqualTo(SettleResult.Status.UNKNOWN);
  }

  /**
   * A commit's meters replace what the reservation took: more is charged on top, less is given
   * back (a model call reserved at its max_tokens and used fewer). Meters the commit does not name
   * stay as reserved, and a release gives back no rate limit: the call was made.
   */
  @Test
  void aCommitsMetersReplaceTheReservedAmount() {
    for (Algorithm algorithm : Algorithm.values()) {
      RateOp tokens = tokens(subject("meters-" + algorithm), algorithm, 10);
      String a = newId();
      admitted(apply(reserve(a, 60_000, tokens)));
      store().settle(Settlement.commit(a, 0, Map.of("tokens", 30L)));
      assertThat(checked(tokens).used()).as(algorithm + ": more than reserved").isEqualTo(30);
      String b = newId();
      admitted(apply(reserve(b, 60_000, tokens)));
      store().settle(Settlement.commit(b, 0, Map.of("tokens", 2L)));
      assertThat(checked(tokens).used()).as(algorithm + ": fewer than reserved").isEqualTo(32);
      String c = newId();
      admitted(apply(reserve(c, 60_000, tokens)));
      store().settle(Settlement.commit(c, 0, Map.of("other", 0L)));
      assertThat(checked(tokens).used()).as(algorithm + ": not named").isEqualTo(42);
      String d = newId();
      admitted(apply(reserve(d, 60_000, tokens)));
      store().settle(Settlement.release(d));
      assertThat(checked(tokens).used()).as(algorithm + ": released").isEqualTo(52);
    }
  }

  /**
   * What a commit gives back comes off the part of the window its reservation was counted in, not
   * off admissions made since: those still leave the window when they would have.
   */
  @Test
  void aSlidingWindowGivesBackOnlyWhatTheReservationAdded() {
    String s = subject("give-back");
    RateOp tokens = tokens(s, Algorithm.SLIDING_WINDOW, 40);
    String early = newId();
    admitted(apply(reserve(early, 600_000, tokens)));
    advance(Duration.ofSeconds(30));
    admitted(apply(reserve(newId(), 600_000, tokens)));
    store().settle(Settlement.commit(early, 0, Map.of("tokens", 5L)));
    assertThat(checked(tokens).used()).isEqualTo(45);
    advance(Duration.ofSeconds(31)); // the early reservation's part has left the window
    assertThat(checked(tokens).used()).isEqualTo(40);
  }

  /**
   * A call that adds nothing to a window (a reservation or usage naming none of its meter) leaves
   * it as it was: no slice opens, so once what it counted has left, it reads empty, with no reset.
   */
  @Test
  void aCallAddingNothingToASlidingWindowOpensNoSlice() {
    String s = subject("adds-nothing");
    RateOp nothing = tokens(s, Algorithm.SLIDING_WINDOW, 0);
    admitted(apply(reserve(nothing)));
    admitted(apply(record(nothing)));
    assertThat(checked(nothing).resetAtMs()).as("an untouched window has no reset").isZero();

    admitted(apply(record(tokens(s, Algorithm.SLIDING_WINDOW, 10))));
    advance(Duration.ofSeconds(30));
    admitted(apply(reserve(nothing)));
    long fiveAt = admitted(apply(record(tokens(s, Algorithm.SLIDING_WINDOW, 5)))).nowMs();
    advance(Duration.ofSeconds(31)); // the 10 tokens have left the window, the 5 have not
    assertThat(admitted(apply(reserve(nothing))).results().get(0).used()).isEqualTo(5);
    OpResult fiveLeft = checked(nothing);
    assertThat(fiveLeft.used()).isEqualTo(5);
    assertThat(fiveLeft.resetAtMs()).isEqualTo(fiveAt + 60_001);

    admitted(apply(record(nothing)));
    advance(Duration.ofSeconds(30)); // the 5 have left too
    OpResult left = checked(nothing);
    assertThat(left.used()).isZero();
    assertThat(left.resetAtMs()).as("nothing counted, nothing to reset").isZero();
  }

  /** A reservation whose part of the window has already left it has nothing to give back. */
  @Test
  void aLateCommitGivesBackNothingThatAlreadyLeftTheWindow() {
    String s = subject("late-give-back");
    RateOp tokens = tokens(s, Algorithm.SLIDING_WINDOW, 40);
    String early = newId();
    admitted(apply(reserve(early, 600_000, tokens)));
    advance(Duration.ofSeconds(61));
    admitted(apply(reserve(newId(), 600_000, tokens)));
    store().settle(Settlement.commit(early, 0, Map.of("tokens", 0L)));
    assertThat(checked(tokens).used()).isEqualTo(40);
  }

  /**
   * A settlement that hands back the payload also tells when the reservation was made: a commit
   * was charged to the counters the reservation held from then on, and its ledger row says so.
   */
  @Test
  void aSettlementTellsWhenItsReservationWasMade() {
    String s = subject("reserved-at");
    String a = newId();
    PlanResult made = admitted(apply(reserve(a, 600_000, budget(s, 100, 50), perMinute(s, 5))));
    advance(Duration.ofSeconds(30));

    SettleResult committed = store().settle(Settlement.commit(a, 10, Map.of()));
    assertThat(committed.payload()).isEqualTo("payload-" + a);
    assertThat(committed.reservedAtMs()).isEqualTo(made.nowMs());
    assertThat(committed.nowMs()).isGreaterThanOrEqualTo(made.nowMs() + 30_000);
    SettleResult again = store().settle(Settlement.commit(a, 10, Map.of()));
    assertThat(again.status()).isEqualTo(SettleResult.Status.REPEATED);
    if (again.payload() != null) { // a store that keeps the payload of a settled reservation
      assertThat(again.reservedAtMs()).isEqualTo(made.nowMs());
    }
    assertThat(store().settle(Settlement.release(newId())).reservedAtMs()).isZero();
  }

  // ---- periods and seeding --------------------------------------------------------------------

  @Test
  void aBudgetPeriodThatDoesNotContainTheStoreClockIsRefused() {
    String s = subject("period");
    long now = storeNowMs();
    BudgetOp future = budgetIn(s, 100, 10, now + HOUR_MS, now + 2 * HOUR_MS);
    BudgetOp past = budgetIn(s, 100, 10, now - 2 * HOUR_MS, now - HOUR_MS);
    for (BudgetOp op : List.of(future, past)) {
      PlanResult r = apply(reserve(perMinute(s, 5), op));
      assertThat(r.status()).isEqualTo(Status.PERIOD_MISMATCH);
      assertThat(r.admitted()).isFalse();
      assertThat(r.results()).isEmpty();
    }
    assertThat(checked(perMinute(s, 5)).used()).isZero();
  }

  @Test
  void aMissingCounterOfAPeriodOlderThanTheStoreMustBeSeededFirst() {
    String s = subject("seed");
    long now = storeNowMs();
    BudgetOp old = budgetIn(s, 100, 5, now - HOUR_MS, now + HOUR_MS);
    Plan plan = new Plan(Plan.Kind.RECORD, List.of(perMinute(s, 5), old), null, 0, null, "fp", null, true);
    PlanResult r = apply(plan);
    assertThat(r.status()).isEqualTo(Status.NEEDS_SEED);
    assertThat(r.admitted()).isFalse();
    assertThat(r.seedIndices()).containsExactly(1);
    assertThat(checked(perMinute(s, 5)).used()).isZero();

    store().seed(old.key(), 40, old.periodEndMs(), 0);
    assertThat(admitted(apply(plan)).results().get(1).used()).isEqualTo(45);
    store().seed(old.key(), 999, old.periodEndMs(), 0);
    assertThat(checked(old).used()).isEqualTo(45);

    // a period that began after the store's epoch has nothing to recover
    advance(Duration.ofSeconds(2));
    BudgetOp fresh = budgetIn(s, 100, 5, now + 1000, now + HOUR_MS);
    Plan freshPlan = new Plan(Plan.Kind.RECORD, List.of(fresh), null, 0, null, "fp", null, true);
    assertThat(admitted(apply(freshPlan)).results().get(0).used()).isEqualTo(5);
  }

  /**
   * A rebuild reads the subject's latest reset and the ledger after the store reported the counter
   * missing. A reset made after that report may have forgiven what the rebuild read, so its seed
   * leaves the counter missing (a later decision rebuilds it again); a rebuild that began after the
   * reset seeds.
   */
  @Test
  void aSeedLeavesTheCounterMissingWhenItsSubjectWasResetAfterItWasReportedMissing() {
    String s = subject("seed-reset");
    long now = storeNowMs();
    BudgetOp old = budgetIn(s, 100, 5, now - HOUR_MS, now + HOUR_MS);
    Plan plan = new Plan(Plan.Kind.RECORD, List.of(old), null, 0, null, "fp", null, true);
    PlanResult missing = apply(plan);
    assertThat(missing.status()).isEqualTo(Status.NEEDS_SEED);

    advance(Duration.ofSeconds(1));
    store().reset(s);
    store().seed(old.key(), 40, old.periodEndMs(), 0, missing.nowMs());
    PlanResult again = apply(plan);
    assertThat(again.status()).isEqualTo(Status.NEEDS_SEED);

    store().seed(old.key(), 10, old.periodEndMs(), 0, again.nowMs());
    assertThat(admitted(apply(plan)).results().get(0).used()).isEqualTo(15);
  }

  /**
   * A period that began after the store's epoch but before the engine took up its budget's calendar
   * (an admin changed the time zone mid-day) may hold spend counted under another counter's name:
   * its missing counter is seeded too. One whose period began after that is new.
   */
  @Test
  void aMissingCounterOfAPeriodBegunBeforeItsCalendarWasTakenUpMustBeSeededFirst() {
    String s = subject("calendar");
    String fresh = subject("calendar-fresh");
    long start = storeNowMs();
    // A store that starts its epoch when it first misses a budget counter starts it here (on Redis
    // Cluster, the epoch of the slot each subject's counters live in).
    for (String subject : List.of(subject("calendar-epoch"), fresh)) {
      BudgetOp epoch = budgetIn(subject, 100, 1, start, start + HOUR_MS);
      apply(new Plan(Plan.Kind.RECORD, List.of(epoch), null, 0, null, "fp", null, true));
    }
    advance(Duration.ofSeconds(2));
    long now = storeNowMs();
    BudgetOp plain = budgetIn(s, 100, 5, now - 1000, now + HOUR_MS);
    BudgetOp changed = new BudgetOp(plain.key(), true, "budget", 100, 5, now - 1000, now + HOUR_MS, new long[0], now);
    Plan plan = new Plan(Plan.Kind.RECORD, List.of(changed), null, 0, null, "fp", null, true);
    PlanResult r = apply(plan);
    assertThat(r.status()).isEqualTo(Status.NEEDS_SEED);
    assertThat(r.seedIndices()).containsExactly(0);

    store().seed(changed.key(), 40, changed.periodEndMs(), 0);
    assertThat(admitted(apply(plan)).results().get(0).used()).isEqualTo(45);

    BudgetOp later = new BudgetOp(
        CounterKeys.budget(fresh, "USD", "test", now - 1000), true, "budget", 100, 5, now - 1000, now + HOUR_MS,
        new long[0], now - 1001);
    Plan freshPlan = new Plan(Plan.Kind.RECORD, List.of(later), null, 0, null, "fp", null, true);
    assertThat(admitted(apply(freshPlan)).results().get(0).used()).isEqualTo(5);
  }

  /**
   * A counter nothing was decided on since the engine's marker ({@link BudgetOp#seedBeforeMs}) may
   * be behind the ledger: a decision that seeds budgets reports it stale, with the time of its last
   * decision, and applies nothing. A catch-up told that time adds the spend, alerts the levels it
   * crosses and makes the counter current from then on, or from the marker if that is later; one
   * told another time, or of a counter that is gone, changes nothing.
   */
  @Test
  void aCounterLastDecidedOnBeforeTheMarkerIsReportedStaleUntilCaughtUp() {
    String s = subject("stale");
    long now = storeNowMs();
    long[] levels = {50};
    long start = now - HOUR_MS;
    long end = now + HOUR_MS;
    CounterKey key = CounterKeys.budget(s, "USD", "test", start);
    store().seed(key, 30, end, 0);
    advance(Duration.ofSeconds(1));
    long marker = storeNowMs();
    BudgetOp op = new BudgetOp(key, true, "budget", 100, 5, start, end, levels, marker);
    // Another subject first: on Redis Cluster most likely another slot, which must count nothing.
    String other = subject("stale-other");
    Plan plan = new Plan(
        Plan.Kind.RECORD, List.of(perMinute(other, 5), perMinute(s, 5), op), null, 0, null, "fp", null, true);

    PlanResult r = apply(plan);
    assertThat(r.status()).isEqualTo(Status.NEEDS_SEED);
    assertThat(r.seedIndices()).isEmpty();
    assertThat(r.staleBudgets()).hasSize(1);
    assertThat(r.staleBudgets().get(0).index()).isEqualTo(2);
    long touched = r.staleBudgets().get(0).touchedMs();
    assertThat(touched).isLessThan(marker);
    assertThat(checked(op).used()).isEqualTo(30);
    assertThat(checked(perMinute(s, 5)).used()).isZero();
    assertThat(checked(perMinute(other, 5)).used()).isZero();

    assertThat(store().catchUp(op, 40, touched + 1).applied()).isFalse();
    assertThat(checked(op).used()).isEqualTo(30);
    CaughtUp caughtUp = store().catchUp(op, 40, touched);
    assertThat(caughtUp).isEqualTo(new CaughtUp(true, 70, 1));
    assertThat(store().catchUp(op, 40, touched).applied()).isFalse(); // it moved on: counted once
    assertThat(admitted(apply(plan)).results().get(2).used()).isEqualTo(75);

    // A marker ahead of the store's clock: once caught up, the counter is current from it on.
    long ahead = storeNowMs() + 10 * 60_000L;
    BudgetOp later = new BudgetOp(key, true, "budget", 100, 5, start, end, levels, ahead);
    Plan laterPlan = new Plan(Plan.Kind.RECORD, List.of(later), null, 0, null, "fp", null, true);
    PlanResult stale = apply(laterPlan);
    assertThat(stale.staleBudgets()).hasSize(1);
    assertThat(store().catchUp(later, 0, stale.staleBudgets().get(0).touchedMs())).isEqualTo(new CaughtUp(true, 75, 0));
    assertThat(admitted(apply(laterPlan)).results().get(0).used()).isEqualTo(80);

    BudgetOp gone = budgetIn(subject("stale-gone"), 100, 5, start, end);
    assertThat(store().catchUp(gone, 40, touched).applied()).isFalse();
    assertThat(checked(gone).used()).isZero();
  }

  /**
   * A seed carries the alert bits its spend already crossed (the ledger's spend says which levels
   * the period passed), so a lost counter rebuilt mid-period does not alert them again; a seed of a
   * counter that exists changes neither its spend nor its bits.
   */
  @Test
  void aSeededCounterFiresOnlyTheLevelsItsSeedHadNotCrossed() {
    String s = subject("seed-alerts");
    long[] levels = {50, 80};
    BudgetOp charge = budget(s, 100, 0, levels);
    store().seed(charge.key(), 60, charge.periodEndMs(), 1);
    long[] amounts = {5, 20, 20, 1};
    int[] expected = {0, 2, OpResult.EXHAUSTED_BIT, 0};
    for (int i = 0; i < amounts.length; i++) {
      OpResult o = apply(record(budget(s, 100, amounts[i], levels))).results().get(0);
      assertThat(o.firedThresholds()).as("after charge %d", i).isEqualTo(expected[i]);
    }

    String exhausted = subject("seed-exhausted");
    BudgetOp past = budget(exhausted, 100, 0, levels);
    store().seed(past.key(), 150, past.periodEndMs(), 1 | 2 | OpResult.EXHAUSTED_BIT);
    OpResult more = apply(record(budget(exhausted, 100, 1, levels))).results().get(0);
    assertThat(more.used()).isEqualTo(151);
    assertThat(more.firedThresholds()).isZero();

    String existing = subject("seed-existing");
    assertThat(apply(record(budget(existing, 100, 10, levels))).results().get(0).firedThresholds()).isZero();
    BudgetOp kept = budget(existing, 100, 0, levels);
    store().seed(kept.key(), 90, kept.periodEndMs(), 1 | 2);
    OpResult crossing = apply(record(budget(existing, 100, 45, levels))).results().get(0);
    assertThat(crossing.used()).isEqualTo(55);
    assertThat(crossing.firedThresholds()).isEqualTo(1);
  }

  /**
   * A seed may count levels above its spend as alerted: those the lost counter alerted while the
   * holds of reservations lost with it counted. They do not fire again when spend reaches them; a
   * level above them does.
   */
  @Test
  void aSeedCountsTheLevelsAlertedBeforeAsFiredAboveItsSpend() {
    String s = subject("seed-alerted-above");
    long[] levels = {50, 80};
    BudgetOp lost = budget(s, 100, 0, levels);
    store().seed(lost.key(), 10, lost.periodEndMs(), 0, Long.MAX_VALUE, 50);
    long[] amounts = {45, 30, 15};
    int[] expected = {0, 2, OpResult.EXHAUSTED_BIT};
    for (int i = 0; i < amounts.length; i++) {
      OpResult o = apply(record(budget(s, 100, amounts[i], levels))).results().get(0);
      assertThat(o.firedThresholds()).as("after charge %d", i).isEqualTo(expected[i]);
    }
  }

  /**
   * An admin may change a budget's levels or its limit in the middle of a period, or an override
   * may: a level then alerts once spend reaches it, unless a level at least as high already has,
   * wherever it stands in the new list of levels.
   */
  @Test
  void levelsChangedInThePeriodAlertWhenSpendReachesThem() {
    String moved = subject("moved-levels");
    assertThat(fired(moved, 100, 60, 50)).as("50 reached").isEqualTo(1);
    assertThat(fired(moved, 100, 30, 80)).as("the only level is now 80: reached at 90").isEqualTo(1);
    assertThat(fired(moved, 100, 5, 80)).as("80 alerted already").isZero();
    assertThat(fired(moved, 100, 5, 50, 80, 95)).as("95 added, reached at 100 with the limit")
        .isEqualTo(4 | OpResult.EXHAUSTED_BIT);

    String raised = subject("raised-limit");
    assertThat(fired(raised, 100, 100, 80)).as("exhausted").isEqualTo(1 | OpResult.EXHAUSTED_BIT);
    assertThat(fired(raised, 500, 250, 400)).as("the limit raised to 500: 350 is below its 400").isZero();
    assertThat(fired(raised, 500, 60, 400)).as("400 reached").isEqualTo(1);
    assertThat(fired(raised, 500, 90, 400)).as("the new limit reached").isEqualTo(OpResult.EXHAUSTED_BIT);

    String lowered = subject("lowered-level");
    assertThat(fired(lowered, 100, 85, 80)).isEqualTo(1);
    assertThat(fired(lowered, 100, 1, 50, 80)).as("50 added below 80, which alerted").isZero();
  }

  private int fired(String subject, long limit, long amount, long... levels) {
    return apply(record(budget(subject, limit, amount, levels))).results().get(0).firedThresholds();
  }

  // ---- reset ----------------------------------------------------------------------------------

  @Test
  void resetDeletesExactlyOneSubjectsCounters() {
    String a = CounterKeys.subjectOf(Subject.of("user", "g*[a]?\\" + run));
    String b = CounterKeys.subjectOf(Subject.of("user", "gX[a]?\\" + run));
    String c = CounterKeys.subjectOf(Subject.of("user", "g*[a]?\\" + run + "0"));
    for (String s : List.of(a, b, c)) {
      admitted(apply(record(perMinute(s, 5), budget(s, 100, 60))));
    }
    store().reset(a);
    assertThat(checked(perMinute(a, 5)).used()).isZero();
    assertThat(checked(budget(a, 100, 0)).used()).isZero();
    for (String s : List.of(b, c)) {
      assertThat(checked(perMinute(s, 5)).used()).isEqualTo(1);
      assertThat(checked(budget(s, 100, 0)).used()).isEqualTo(60);
    }
  }

  /**
   * A reset forgives what was reserved before it: settling such a reservation must not return its
   * holds or free its slots on the counters the subject started afresh, or the subject could hold
   * more than its cap and its budget. A subject in the same reservation that was not reset settles
   * as usual.
   */
  @Test
  void settlingAReservationMadeBeforeAResetLeavesTheSubjectsNewCountersAlone() {
    String user = subject("reset-settle");
    String team = subject("reset-settle-team");
    String a = newId();
    String a2 = newId();
    admitted(apply(reserve(a, 60_000, budget(user, 100, 40), slots(user, 2), budget(team, 1000, 40))));
    admitted(apply(reserve(a2, 60_000, budget(user, 100, 40), slots(user, 2), budget(team, 1000, 40))));
    store().reset(user);
    // a store with millisecond time counts a reservation in the reset's own millisecond as made before it
    advance(Duration.ofMillis(1));
    String b = newId();
    admitted(apply(reserve(b, 60_000, budget(user, 100, 40), slots(user, 2))));
    admitted(apply(reserve(budget(user, 100, 40), slots(user, 2))));
    denied(apply(reserve(budget(user, 100, 10), slots(user, 2))));

    SettleResult released = store().settle(Settlement.release(a));
    assertThat(released.status()).isEqualTo(SettleResult.Status.SETTLED);
    SettleResult committed = store().settle(Settlement.commit(a2, 30, Map.of()));
    assertThat(committed.status()).isEqualTo(SettleResult.Status.SETTLED);
    assertThat(committed.heldNanos()).isEqualTo(40);
    assertThat(committed.budgets())
        .containsExactly(new SettleResult.BudgetChange("budget", budget(team, 1000, 0).key(), 1000, 30, 0));

    assertThat(checked(budget(user, 100, 0)).used()).isEqualTo(80);
    assertThat(checked(slots(user, 2)).used()).isEqualTo(2);
    denied(apply(reserve(slots(user, 2))));
    denied(apply(reserve(budget(user, 100, 21))));
    assertThat(checked(budget(team, 1000, 0)).used()).isEqualTo(30);

    // reservations made after the reset settle on the new counters as usual
    assertThat(store().settle(Settlement.release(b)).status()).isEqualTo(SettleResult.Status.SETTLED);
    assertThat(checked(budget(user, 100, 0)).used()).isEqualTo(40);
    assertThat(checked(slots(user, 2)).used()).isEqualTo(1);
  }

  @Test
  void anExpiryOfAReservationMadeBeforeAResetLeavesTheSubjectsNewCountersAlone() {
    String s = subject("reset-expiry");
    admitted(apply(reserve(newId(), 10_000, budget(s, 100, 60), slots(s, 1))));
    store().reset(s);
    advance(Duration.ofMillis(1));
    admitted(apply(reserve(newId(), 60_000, budget(s, 100, 60), slots(s, 1))));

    advance(Duration.ofSeconds(10));
    // this call expires the first reservation; the second still holds the one slot and 60
    denied(apply(reserve(budget(s, 100, 60), slots(s, 1))));
    assertThat(checked(budget(s, 100, 0)).used()).isEqualTo(60);
    assertThat(checked(slots(s, 1)).used()).isEqualTo(1);
  }

  /** A reset forgives the slots held before it: a full cap names the expiry of those held since. */
  @Test
  void afterAResetAFullCapNamesOnlyTheSlotsHeldSince() {
    String s = subject("reset-slots");
    admitted(apply(reserve(newId(), 10_000, slots(s, 1))));
    store().reset(s);
    advance(Duration.ofMillis(1));
    PlanResult since = admitted(apply(reserve(newId(), 60_000, slots(s, 1))));
    assertThat(denied(apply(reserve(slots(s, 1)))).results().get(0).retryAtMs()).isEqualTo(since.expiresAtMs());
  }

  // ---- atomicity ------------------------------------------------------------------------------

  /**
   * The largest count of nano-units a budget counter of this store holds: a long's in memory; a
   * store that holds less (Redis, whose numbers are doubles) says so.
   */
  protected long budgetCeiling() {
    return Long.MAX_VALUE;
  }

  /**
   * A charge that would take a budget counter past the largest count its store holds leaves it at
   * that count, and a counter there stays there for its period: the spend is past every limit, so
   * the budget stays exhausted. Recorded usage, commits and shadow holds are never refused for it
   * (a refusal would lose the spend, and block every call a shadow policy watches), and an
   * enforced hold is still denied without anything applied.
   */
  @Test
  void aBudgetChargedPastTheLargestCountItsStoreHoldsStaysThereAndStaysExhausted() {
    long oneAmount = (1L << 53) - 1;
    long limit = 1_000_000_000L;
    long ceiling = budgetCeiling();
    String s = subject("ceiling");
    BudgetOp watched = budget(s, limit, 0);
    store().seed(watched.key(), ceiling - 5, watched.periodEndMs(), 0);

    PlanResult recorded = admitted(apply(record(perMinute(s, 100), budget(s, limit, 10))));
    assertThat(recorded.results().get(1).used()).isEqualTo(ceiling);
    assertThat(checked(perMinute(s, 100)).used()).isEqualTo(1);

    BudgetOp shadow = new BudgetOp(watched.key(), false, "shadow", limit, 3, watched.periodStartMs(),
        watched.periodEndMs(), new long[0]);
    String held = newId();
    assertThat(admitted(apply(reserve(held, 60_000, perMinute(s, 100), shadow))).results().get(1).used())
        .isEqualTo(ceiling);
    assertThat(store().settle(Settlement.release(held)).budgets().get(0).usedNanos()).isEqualTo(ceiling);
    String committed = newId();
    admitted(apply(reserve(committed, 60_000, shadow)));
    assertThat(store().settle(Settlement.commit(committed, oneAmount, Map.of())).budgets().get(0).usedNanos())
        .isEqualTo(ceiling);

    OpResult refused = denied(apply(reserve(perMinute(s, 100), budget(s, limit, 1)))).results().get(1);
    assertThat(refused.used()).isEqualTo(ceiling);
    assertThat(checked(perMinute(s, 100)).used()).isEqualTo(2);
    assertThat(checked(budget(s, limit, 0)).allowed()).isFalse();
  }

  /**
   * At the largest limit a budget takes (one amount's maximum), spend exactly at it still admits a
   * call that costs nothing, and spend past it refuses even that, as at any other limit: a store
   * that saturates its count must keep it past the limit, not at it.
   */
  @Test
  void aBudgetAtTheLargestLimitSpentPastItRefusesEvenACallThatCostsNothing() {
    long largest = (1L << 53) - 1;
    String s = subject("largest");
    admitted(apply(record(budget(s, largest, largest))));
    assertThat(checked(budget(s, largest, 0)).allowed()).isTrue();

    PlanResult past = admitted(apply(record(budget(s, largest, 1))));
    assertThat(past.results().get(0).used()).isGreaterThan(largest);
    OpResult refused = denied(apply(check(budget(s, largest, 0)))).results().get(0);
    assertThat(refused.used()).isGreaterThan(largest);
    assertThat(refused.retryAtMs()).isEqualTo(budget(s, largest, 0).periodEndMs());
    denied(apply(reserve(budget(s, largest, 0))));
    // a hold returned does not bring it back under: its spend is past what the store counts
    String held = newId();
    admitted(apply(reserve(held, 60_000, new BudgetOp(budget(s, largest, 0).key(), false, "shadow", largest, 5,
        budget(s, largest, 0).periodStartMs(), budget(s, largest, 0).periodEndMs(), new long[0]))));
    store().settle(Settlement.release(held));
    denied(apply(check(budget(s, largest, 0))));
  }

  /**
   * A counter rebuilt from the ledger is seeded with the exact spend, which may pass one amount's
   * maximum (three full charges and more): the store keeps it where the same charges to a live
   * counter left it, so at the largest limit the rebuilt budget refuses even a call that costs
   * nothing, as the live one did, rather than reading exactly at its limit. A spend past what a long
   * holds is seeded as the largest long.
   */
  @Test
  void aSeedPastTheLargestLimitHoldsWhatTheSameChargesLeaveAndStaysExhausted() {
    long largest = (1L << 53) - 1;
    long spend = 27_021_597_760_000_000L; // 27021597.76, three times the largest amount, nearly
    String live = subject("charged-past");
    admitted(apply(record(budget(live, largest, largest))));
    admitted(apply(record(budget(live, largest, largest))));
    long usedLive = admitted(apply(record(budget(live, largest, spend - 2 * largest)))).results().get(0).used();
    assertThat(usedLive).isEqualTo(Math.min(spend, budgetCeiling()));

    for (long seeded : new long[] {largest + 1, spend, Long.MAX_VALUE}) {
      String s = subject("seeded-past-" + seeded);
      BudgetOp rebuilt = budget(s, largest, 0);
      store().seed(rebuilt.key(), seeded, rebuilt.periodEndMs(), OpResult.EXHAUSTED_BIT);
      OpResult refused = denied(apply(check(rebuilt))).results().get(0);
      assertThat(refused.used()).as("seeded %d", seeded).isEqualTo(Math.min(seeded, budgetCeiling()));
      assertThat(refused.retryAtMs()).isEqualTo(rebuilt.periodEndMs());
      denied(apply(reserve(rebuilt)));
      // and it stays there: recorded usage keeps it past the limit, and fires no level again
      OpResult more = admitted(apply(record(budget(s, largest, 1)))).results().get(0);
      assertThat(more.used()).isEqualTo(Math.min(seeded == Long.MAX_VALUE ? seeded : seeded + 1, budgetCeiling()));
      assertThat(more.firedThresholds()).isZero();
      denied(apply(check(rebuilt)));
    }
    String s = subject("seeded-live");
    BudgetOp rebuilt = budget(s, largest, 0);
    store().seed(rebuilt.key(), spend, rebuilt.periodEndMs(), OpResult.EXHAUSTED_BIT);
    assertThat(denied(apply(check(rebuilt))).results().get(0).used()).isEqualTo(usedLive);
  }

  @Test
  void whenOneEnforcedOpDeniesNothingIsApplied() {
    String s = subject("atomic");
    admitted(apply(record(budget(s, 100, 60))));
    PlanResult r = denied(apply(reserve(perMinute(s, 5), slots(s, 3), budget(s, 100, 50))));
    assertThat(r.results().get(0)).isEqualTo(new OpResult(true, 0, 0, 0, 0));
    assertThat(r.results().get(1).allowed()).isTrue();
    assertThat(r.results().get(2).allowed()).isFalse();
    assertThat(r.expiresAtMs()).isZero();
    assertThat(checked(perMinute(s, 5)).used()).isZero();
    assertThat(checked(slots(s, 3)).used()).isZero();
    assertThat(checked(budget(s, 100, 0)).used()).isEqualTo(60);
  }

  @Test
  void aShadowOpMovesItsCounterButNeverDenies() {
    String s = subject("shadow");
    BudgetOp enforced = budget(s, 100, 80);
    BudgetOp shadow =
        new BudgetOp(enforced.key(), false, "shadow", 100, 80, enforced.periodStartMs(), enforced.periodEndMs(), new long[0]);
    admitted(apply(reserve(shadow)));
    PlanResult r = admitted(apply(reserve(perMinute(s, 5), shadow)));
    assertThat(r.results().get(1).allowed()).isFalse();
    assertThat(r.results().get(1).used()).isEqualTo(160);
  }

  @Test
  void aCheckChangesNothing() {
    String s = subject("check");
    PlanResult r = admitted(apply(check(perMinute(s, 5), budget(s, 100, 60), slots(s, 1))));
    assertThat(r.expiresAtMs()).isZero();
    assertThat(r.results().get(0).used()).isZero();
    assertThat(checked(budget(s, 100, 0)).used()).isZero();
    assertThat(checked(slots(s, 1)).used()).isZero();
  }

  // ---- exactness under concurrency ------------------------------------------------------------

  @Test
  void concurrentReservationsAdmitExactlyTheLimit() throws Exception {
    String user = subject("race-user");
    String team = subject("race-team");
    int admittedCount =
        race(8, 60, () -> reserve(perMinute(user, 100), perMinute(team, 1000), budget(team, 1_000_000, 1)));
    assertThat(admittedCount).isEqualTo(100);
    assertThat(checked(perMinute(user, 100)).used()).isEqualTo(100);
    assertThat(checked(perMinute(team, 1000)).used()).isEqualTo(100);
    assertThat(checked(budget(team, 1_000_000, 0)).used()).isEqualTo(100);
  }

  @Test
  void concurrentBudgetHoldsNeverExceedTheBudget() throws Exception {
    String s = subject("race-budget");
    int admittedCount = race(8, 40, () -> reserve(budget(s, 1000, 7)));
    assertThat(admittedCount).isEqualTo(1000 / 7);
    assertThat(checked(budget(s, 1000, 0)).used()).isEqualTo(1000 / 7 * 7);
  }

  @Test
  void concurrentSettlementsReturnEveryHoldExactlyOnce() throws Exception {
    String s = subject("race-settle");
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      String id = newId();
      ids.add(id);
      admitted(apply(reserve(id, 60_000, budget(s, 1_000_000, 100), slots(s, 64))));
    }
    // Every thread commits every id: exactly one settlement of each may count, and every other
    // answer is a repeat. One that did not know the reservation at all (404 over HTTP) would tell
    // its caller to record the cost as usage, charging the call twice.
    List<SettleResult.Status> answers = commitFromThreads(8, t -> ids);
    assertThat(answers).filteredOn(a -> a == SettleResult.Status.SETTLED).hasSize(64);
    assertThat(answers).hasSize(8 * 64).containsOnly(SettleResult.Status.SETTLED, SettleResult.Status.REPEATED);
    assertThat(checked(budget(s, 1_000_000, 0)).used()).isEqualTo(64);
    assertThat(checked(slots(s, 64)).used()).isZero();
  }

  /** Runs {@code perThread} plans on each of {@code threads} threads at once; returns how many were admitted. */
  private int race(int threads, int perThread, java.util.function.Supplier<Plan> plans) throws Exception {
    AtomicInteger count = new AtomicInteger();
    onThreadsAtOnce(threads, t -> {
      for (int i = 0; i < perThread; i++) {
        if (store().apply(plans.get()).admitted()) {
          count.incrementAndGet();
        }
      }
    });
    return count.get();
  }

  /** Commits (at a cost of 1) the ids {@code order} gives each of {@code threads} threads, all at once; every answer. */
  private List<SettleResult.Status> commitFromThreads(int threads, java.util.function.IntFunction<List<String>> order)
      throws Exception {
    List<SettleResult.Status> answers = java.util.Collections.synchronizedList(new ArrayList<>());
    onThreadsAtOnce(threads, t -> {
      for (String id : order.apply(t)) {
        answers.add(store().settle(Settlement.commit(id, 1, Map.of())).status());
      }
    });
    return answers;
  }

  /** What one of {@link #onThreadsAtOnce}'s threads does, given its number. */
  private interface ThreadBody {
    void run(int thread) throws Exception;
  }

  /** Runs {@code body} on {@code threads} threads released at once, and waits for all of them. */
  private static void onThreadsAtOnce(int threads, ThreadBody body) throws Exception {
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        done.add(pool.submit(() -> {
          start.await();
          body.run(thread);
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
