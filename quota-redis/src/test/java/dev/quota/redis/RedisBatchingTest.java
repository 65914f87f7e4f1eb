package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.RateLimit;
import dev.quota.plan.BudgetOp;
import dev.quota.plan.CounterKeys;
import dev.quota.plan.CounterOp;
import dev.quota.plan.Plan;
import dev.quota.plan.PlanResult;
import dev.quota.plan.RateOp;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Decisions made at the same time share calls, and each is still applied all or nothing on its own. */
class RedisBatchingTest {
  private RedisServerProcess server;
  private RedisStore store;
  private long start;
  private long end;

  @BeforeEach
  void start() throws Exception {
    server = new RedisServerProcess();
    store = RedisStore.builder().uri(server.uri()).timeout(Duration.ofSeconds(10)).batching(1, 64).build();
    long now = store.nowMs(); // connects and loads the function library
    start = now - 60_000;
    end = now + 3_600_000;
  }

  @AfterEach
  void stop() throws Exception {
    store.close();
    server.close();
  }

  private BudgetOp budget(String subject, long limit, long amount) {
    return new BudgetOp(CounterKeys.budget(subject, "USD", "day", start), true, "b", limit, amount, start, end, new long[0]);
  }

  private static RateOp rate(String subject, long limit) {
    RateLimit perMinute = RateLimit.perWindow(limit, Duration.ofMinutes(1));
    return new RateOp(CounterKeys.rate(subject, perMinute), true, "sw", perMinute, 1);
  }

  private static Plan record(CounterOp... ops) {
    return new Plan(Plan.Kind.RECORD, List.of(ops), null, 0, null, "fp", null, false);
  }

  private static Plan reserve(String id, long ttlMs, CounterOp... ops) {
    return new Plan(Plan.Kind.RESERVE, List.of(ops), id, ttlMs, null, "fp", null, false);
  }

  private static List<PlanResult> planResults(List<Object> replies) {
    List<PlanResult> results = new ArrayList<>();
    for (Object reply : replies) {
      results.add(ScriptCodec.planResult(list(reply)));
    }
    return results;
  }

  /** The count of a result's last op: the budget, in the plans that end with one. */
  private static long lastUsed(PlanResult r) {
    return r.results().get(r.results().size() - 1).used();
  }

  private static Plan check(CounterOp... ops) {
    return new Plan(Plan.Kind.CHECK, List.of(ops), null, 0, null, "fp", null, false);
  }

  private ScriptCodec.Call call(Plan plan) {
    return new ScriptCodec(store.keys()).apply(plan, 0);
  }

  /** A budget counter's key that something other than the store overwrote with a plain string. */
  private BudgetOp clobbered(String subject, long amount) {
    BudgetOp op = budget(subject, 100, amount);
    server.admin().set(store.keys().counter(op.key()), "not a counter");
    return op;
  }

  @Test
  void aDecisionThatFailsInABatchChangesNothingAndTheOthersApply() {
    BudgetOp broken = clobbered("user:broken", 1);
    ScriptCodec.Call batch = DecisionBatcher.combine(List.of(
        call(record(rate("user:a", 10), budget("user:a", 100, 5))),
        // its rate op comes first and passes, then Redis refuses to read the budget's key
        call(record(rate("user:b", 10), broken)),
        call(record(rate("user:c", 10), budget("user:c", 100, 7)))));

    List<Object> replies = store.run(batch);

    assertThat(replies).hasSize(3);
    assertThat(ScriptCodec.planResult(list(replies.get(0))).results().get(1).used()).isEqualTo(5);
    assertThat(replies.get(1)).asString().startsWith("WRONGTYPE");
    assertThat(ScriptCodec.planResult(list(replies.get(2))).results().get(1).used()).isEqualTo(7);
    assertThat(store.apply(check(rate("user:b", 10))).results().get(0).used()).isZero();
    assertThat(server.admin().get(store.keys().counter(broken.key()))).isEqualTo("not a counter");
    assertThat(store.apply(check(rate("user:a", 10))).results().get(0).used()).isEqualTo(1);
  }

  @Test
  void repeatsOfOnePlanEachKeepTheirOwnDeadlineAndReservation() {
    long now = store.nowMs();
    CounterOp[] ops = {rate("user:hot", 10), budget("user:hot", 100, 5)};
    ScriptCodec.Call inTime = call(reserve("r-in-time", 60_000, ops));
    inTime.deadline(now + 60_000);
    ScriptCodec.Call late = call(reserve("r-late", 60_000, ops));
    late.deadline(now - 1_000);
    ScriptCodec.Call none = call(reserve("r-none", 60_000, ops));
    List<ScriptCodec.Call> calls = List.of(inTime, late, none);
    assertThat(DecisionBatcher.forms(calls))
        .containsExactly(ScriptCodec.Form.WHOLE, ScriptCodec.Form.REPEAT, ScriptCodec.Form.REPEAT);

    List<Object> replies = store.run(DecisionBatcher.combine(calls));

    assertThat(ScriptCodec.tooLate(list(replies.get(1)))).isTrue();
    assertThat(lastUsed(ScriptCodec.planResult(list(replies.get(0))))).isEqualTo(5);
    assertThat(lastUsed(ScriptCodec.planResult(list(replies.get(2))))).isEqualTo(10);
    assertThat(store.apply(check(rate("user:hot", 10))).results().get(0).used()).isEqualTo(2);
    assertThat(server.admin().exists(store.keys().reservation("r-in-time"))).isEqualTo(1);
    assertThat(server.admin().exists(store.keys().reservation("r-late"))).isZero();
    assertThat(server.admin().exists(store.keys().reservation("r-none"))).isEqualTo(1);
  }

  @Test
  void likesOfOnePlanForOtherSubjectsEachMoveAndFileTheirOwnCountersAsSeparateCallsWould() {
    // the same limits for other users (and one shared team): every decision after the first is a like
    List<ScriptCodec.Call> calls = new ArrayList<>();
    for (String id : List.of("a", "b", "b2", "b3", "c")) {
      String user = "user:" + id.charAt(0);
      calls.add(call(reserve("r-" + id, 60_000, rate(user, 2), rate("team:t", 10))));
    }
    assertThat(DecisionBatcher.forms(calls)).containsExactly(ScriptCodec.Form.WHOLE, ScriptCodec.Form.LIKE,
        ScriptCodec.Form.LIKE, ScriptCodec.Form.LIKE, ScriptCodec.Form.LIKE);

    List<Object> replies = store.run(DecisionBatcher.combine(calls));

    List<Boolean> admitted = new ArrayList<>();
    List<Long> userUsed = new ArrayList<>();
    List<Long> teamUsed = new ArrayList<>();
    for (Object reply : replies) {
      PlanResult r = ScriptCodec.planResult(list(reply));
      admitted.add(r.admitted());
      userUsed.add(r.results().get(0).used());
      teamUsed.add(r.results().get(1).used());
    }
    // b's third is denied (which the general path decides, on the like's own counters)
    assertThat(admitted).containsExactly(true, true, true, false, true);
    assertThat(userUsed).containsExactly(1L, 1L, 2L, 2L, 1L);
    assertThat(teamUsed).containsExactly(1L, 2L, 3L, 3L, 4L);
    assertThat(store.apply(check(rate("user:a", 2))).results().get(0).used()).isEqualTo(1);
    assertThat(store.apply(check(rate("user:b", 2))).results().get(0).used()).isEqualTo(2);
    assertThat(store.apply(check(rate("user:c", 2))).results().get(0).used()).isEqualTo(1);
    assertThat(store.apply(check(rate("team:t", 10))).results().get(0).used()).isEqualTo(4);
    assertThat(server.admin().exists(store.keys().reservation("r-b3"))).isZero();
    // a like's record names its own counters: committing it with no requests takes b's back
    assertThat(store.settle(dev.quota.plan.Settlement.commit("r-b2", 0, Map.of(RateLimit.REQUESTS, 0L))).status())
        .isEqualTo(dev.quota.plan.SettleResult.Status.SETTLED);
    assertThat(store.apply(check(rate("user:b", 2))).results().get(0).used()).isEqualTo(1);
    assertThat(store.apply(check(rate("user:c", 2))).results().get(0).used()).isEqualTo(1);
    assertThat(store.apply(check(rate("team:t", 10))).results().get(0).used()).isEqualTo(3);
  }

  @Test
  void aDecisionThatStartsAfterItsDeadlineChangesNothingAndAnswersTooLateWhileTheOthersApply() {
    long now = store.nowMs();
    ScriptCodec.Call late = call(record(rate("user:late", 10), budget("user:late", 100, 5)));
    late.deadline(now - 1_000);
    ScriptCodec.Call inTime = call(record(budget("user:in-time", 100, 7)));
    inTime.deadline(now + 60_000);
    ScriptCodec.Call none = call(record(budget("user:none", 100, 3))); // 0: no deadline

    List<Object> replies = store.run(DecisionBatcher.combine(List.of(late, inTime, none)));
    List<Object> alone = store.run(late);

    assertThat(ScriptCodec.tooLate(list(replies.get(0)))).isTrue();
    assertThat(ScriptCodec.num(list(replies.get(0)).get(2))).isGreaterThanOrEqualTo(now); // Redis time, for the estimate
    assertThat(ScriptCodec.tooLate(list(alone))).isTrue();
    assertThat(lastUsed(ScriptCodec.planResult(list(replies.get(1))))).isEqualTo(7);
    assertThat(lastUsed(ScriptCodec.planResult(list(replies.get(2))))).isEqualTo(3);
    assertThat(store.apply(check(rate("user:late", 10), budget("user:late", 100, 0))).results())
        .allSatisfy(r -> assertThat(r.used()).isZero());
  }

  @Test
  void aSettlementThatStartsAfterItsDeadlineChangesNothing() {
    assertThat(store.apply(reserve("r-late", 60_000, budget("user:held", 100, 40))).admitted()).isTrue();
    ScriptCodec.Call late = new ScriptCodec(store.keys()).settle(
        dev.quota.plan.Settlement.commit("r-late", 10, Map.of()), 0);
    late.deadline(store.nowMs() - 1_000);

    assertThat(ScriptCodec.tooLate(store.run(late))).isTrue();
    assertThat(lastUsed(store.apply(check(budget("user:held", 100, 0))))).isEqualTo(40); // still held

    late.deadline(0);
    assertThat(ScriptCodec.settleResult(store.run(late)).status()).isEqualTo(dev.quota.plan.SettleResult.Status.SETTLED);
    assertThat(lastUsed(store.apply(check(budget("user:held", 100, 0))))).isEqualTo(10);
  }

  @Test
  void decisionsOnOneWindowInABatchSeeEachOthersCountsAndTheWindowIsReadOnceAndWrittenTwice() {
    RedisCommands<String, String> redis = server.admin();
    store.apply(record(rate("user:warm", 10))); // the library's first call, not counted below
    List<ScriptCodec.Call> calls = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      calls.add(call(reserve("one-" + i, 60_000, rate("user:one", 3))));
    }
    // after the denials (which take the general path, reading the window from Redis), one more admission
    calls.add(call(record(rate("user:two", 10))));
    calls.add(call(record(rate("user:two", 10))));

    Counted batch = runCounting(calls);

    List<Long> used = new ArrayList<>();
    List<Boolean> admitted = new ArrayList<>();
    for (Object reply : batch.replies()) {
      PlanResult r = ScriptCodec.planResult(list(reply));
      used.add(r.results().get(0).used());
      admitted.add(r.admitted());
    }
    assertThat(admitted).containsExactly(true, true, true, false, false, true, true);
    assertThat(used).containsExactly(1L, 2L, 3L, 3L, 3L, 1L, 2L);
    assertThat(store.apply(check(rate("user:one", 3))).results().get(0).used()).isEqualTo(3);
    assertThat(store.apply(check(rate("user:two", 10))).results().get(0).used()).isEqualTo(2);
    assertThat(redis.exists(store.keys().reservation("one-2"))).isEqualTo(1);
    assertThat(redis.exists(store.keys().reservation("one-3"))).isZero();
    assertThat(redis.pttl(store.keys().counter(rate("user:two", 10)))).isPositive(); // its TTL, set as the batch ended
    // user:one is read by the first admission, then by the general path of each denial and by the
    // short path of the second; written by the first admission and, for the two after it, once,
    // before the first denial. user:two is read once, and written by the first decision and, for
    // the second, when the batch ends.
    assertThat(batch.calls("hget")).isEqualTo(5);
    assertThat(batch.calls("hset")).isEqualTo(4);
  }

  @Test
  void aWindowMovedAgainAfterLeavingTheRememberedWindowsIsReadBackWithItsLateWrite() {
    List<ScriptCodec.Call> calls = new ArrayList<>();
    calls.add(call(record(rate("user:w0", 100))));
    calls.add(call(record(rate("user:w0", 100)))); // late: written only once it leaves its slot
    for (int w = 1; w <= 12; w++) {
      calls.add(call(record(rate("user:w" + w, 100)))); // more windows than slots: w0's is taken
    }
    calls.add(call(record(rate("user:w0", 100))));

    List<Object> replies = store.run(DecisionBatcher.combine(calls));

    assertThat(ScriptCodec.planResult(list(replies.get(replies.size() - 1))).results().get(0).used()).isEqualTo(3);
    assertThat(store.apply(check(rate("user:w0", 100))).results().get(0).used()).isEqualTo(3);
    for (int w = 1; w <= 12; w++) {
      assertThat(store.apply(check(rate("user:w" + w, 100))).results().get(0).used()).isEqualTo(1);
    }
  }

  @Test
  void aWindowMovedAtAnotherPositionInTheSameBatchIsReadWithWhatEarlierDecisionsLeftUnwritten() {
    Plan three = record(rate("user:a", 100), rate("user:b", 100), rate("user:x", 100));
    Plan alone = record(rate("user:x", 100));
    // x is third, then first, then third again: each time its latest count, written or not
    List<Object> replies = store.run(DecisionBatcher.combine(List.of(call(three), call(three), call(alone), call(three))));

    assertThat(ScriptCodec.planResult(list(replies.get(2))).results().get(0).used()).isEqualTo(3);
    assertThat(ScriptCodec.planResult(list(replies.get(3))).results().get(2).used()).isEqualTo(4);
    assertThat(store.apply(check(rate("user:x", 100))).results().get(0).used()).isEqualTo(4);
    assertThat(store.apply(check(rate("user:a", 100))).results().get(0).used()).isEqualTo(3);
  }

  @Test
  void budgetReservationsInABatchLookForDueHoldsOnceCheckTheExpiryIndexTtlOnceAndReadASharedBudgetOnce() {
    RedisCommands<String, String> redis = server.admin();
    store.apply(record(rate("user:warm", 10))); // the library's first call, not counted below
    List<ScriptCodec.Call> calls = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      calls.add(call(reserve("b-" + i, 60_000, rate("user:u" + i, 10), budget("project:p", 1_000, 10))));
    }

    Counted batch = runCounting(calls);

    for (int i = 0; i < 20; i++) {
      PlanResult r = ScriptCodec.planResult(list(batch.replies().get(i)));
      assertThat(r.admitted()).isTrue();
      assertThat(r.results().get(1).used()).isEqualTo(10L * (i + 1));
    }
    assertThat(redis.zcard(store.keys().expiries())).isEqualTo(20);
    // the record outlives the budget's period, and the index outlives the record
    long recordTtl = redis.pttl(store.keys().reservation("b-19"));
    assertThat(recordTtl).isGreaterThan(end - store.nowMs());
    assertThat(redis.pttl(store.keys().expiries())).isGreaterThanOrEqualTo(recordTtl);
    assertThat(batch.calls("zrangebyscore")).isEqualTo(1);
    // the expiry index's, and the names set's as the new budget name is registered (never shortened)
    assertThat(batch.calls("pttl")).isEqualTo(2);
    assertThat(batch.calls("zadd")).as("the expiry index's, and the new budget name's").isEqualTo(20 + 1);
    // twenty new windows of one name and a new budget: each name is read once in the call
    assertThat(batch.calls("zscore")).isEqualTo(2);
    // the short path: one read of each window's m, no slices loaded; the shared budget is read by
    // the first decision and written by it and, for the nineteen after it, when the batch ends
    assertThat(batch.calls("hget")).isEqualTo(20);
    assertThat(batch.calls("hmget")).isEqualTo(1);
    assertThat(batch.calls("hset")).isEqualTo(20 + 2);
    assertThat(redis.hget(store.keys().counter(budget("project:p", 1_000, 10)), "u")).isEqualTo("200");
  }

  @Test
  void aWindowWhoseOnlySliceHasLeftStartsAfreshOnTheShortPath() {
    RedisCommands<String, String> redis = server.admin();
    RateLimit perSecond = RateLimit.perWindow(5, Duration.ofSeconds(1));
    RateOp x = new RateOp(CounterKeys.rate("user:x", perSecond), true, "s", perSecond, 1);
    RateOp y = new RateOp(CounterKeys.rate("user:y", perSecond), true, "s", perSecond, 1);
    store.run(DecisionBatcher.combine(List.of(call(record(x)), call(record(y)))));
    ScriptCodec later = new ScriptCodec(store.keys());

    // five seconds on (the script's clock offset): each window's one slice has left it
    Counted batch = runCounting(List.of(
        later.apply(reserve("x-1", 60_000, x, budget("project:q", 100, 1)), 5_000),
        later.apply(reserve("y-1", 60_000, y, budget("project:q", 100, 1)), 5_000)));

    for (PlanResult r : planResults(batch.replies())) {
      assertThat(r.admitted()).isTrue();
      assertThat(r.results().get(0).used()).isEqualTo(1);
    }
    assertThat(redis.hget(store.keys().counter(x), "m")).doesNotContain(":"); // one slice, numbered 1
    // the short path for both: the expiry index is asked once (the general path asks per decision)
    assertThat(batch.calls("zrangebyscore")).isEqualTo(1);
  }

  @Test
  void aSharedBudgetKeptUnwrittenInABatchIsSeenByEveryLaterDecisionOfIt() {
    List<ScriptCodec.Call> calls = new ArrayList<>();
    calls.add(call(reserve("s-1", 60_000, rate("user:s1", 10), budget("project:s", 100, 10))));
    calls.add(call(reserve("s-2", 60_000, rate("user:s2", 10), budget("project:s", 100, 10)))); // late
    calls.add(call(check(budget("project:s", 100, 0)))); // at another position: written, then read
    calls.add(call(reserve("s-3", 60_000, budget("project:s", 100, 90)))); // denied: the general path
    calls.add(call(reserve("s-4", 60_000, rate("user:s4", 10), budget("project:s", 100, 5))));
    calls.add(call(reserve("s-5", 60_000, rate("user:s5", 10), budget("project:s", 100, 5)))); // late again

    List<PlanResult> results = planResults(store.run(DecisionBatcher.combine(calls)));

    assertThat(results).extracting(PlanResult::admitted).containsExactly(true, true, true, false, true, true);
    assertThat(results).extracting(RedisBatchingTest::lastUsed).containsExactly(10L, 20L, 20L, 20L, 25L, 30L);
    assertThat(store.apply(check(budget("project:s", 100, 0))).results().get(0).used()).isEqualTo(30);
  }

  @Test
  void aSharedBudgetMovingBetweenOpPositionsInABatchKeepsItsCount() {
    List<ScriptCodec.Call> calls = new ArrayList<>();
    calls.add(call(reserve("m-1", 60_000, rate("user:m1", 10), budget("project:m", 100, 10)))); // second op
    calls.add(call(reserve("m-2", 60_000, budget("project:m", 100, 10)))); // first op
    calls.add(call(reserve("m-3", 60_000, rate("user:m3", 10), budget("project:m", 100, 10)))); // second again
    calls.add(call(reserve("m-4", 60_000, budget("project:m", 100, 10))));

    List<PlanResult> results = planResults(store.run(DecisionBatcher.combine(calls)));

    assertThat(results).extracting(RedisBatchingTest::lastUsed).containsExactly(10L, 20L, 30L, 40L);
    assertThat(store.apply(check(budget("project:m", 100, 0))).results().get(0).used()).isEqualTo(40);
  }

  @Test
  void aBudgetReservationHeldLongerThanTheOnesBeforeItInABatchExtendsTheExpiryIndex() {
    long monthEnd = end + 30L * 86_400_000L;
    BudgetOp monthly = new BudgetOp(CounterKeys.budget("project:m", "USD", "month", start), true, "m",
        1_000, 1, start, monthEnd, new long[0]);
    List<ScriptCodec.Call> calls = new ArrayList<>();
    calls.add(call(reserve("short-1", 60_000, budget("project:d", 1_000, 1))));
    calls.add(call(reserve("short-2", 60_000, budget("project:d", 1_000, 1))));
    calls.add(call(reserve("long", 60_000, monthly)));

    store.run(DecisionBatcher.combine(calls));

    RedisCommands<String, String> redis = server.admin();
    long recordTtl = redis.pttl(store.keys().reservation("long"));
    assertThat(recordTtl).isGreaterThan(monthEnd - store.nowMs());
    assertThat(redis.pttl(store.keys().expiries())).isGreaterThanOrEqualTo(recordTtl);
  }

  @Test
  void aHoldFiledDueInABatchIsReturnedBeforeTheNextBudgetDecisionOfTheBatch() {
    List<ScriptCodec.Call> calls = new ArrayList<>();
    calls.add(call(reserve("soon", 60_000, budget("project:t", 20, 4))));
    // no time to live: due at once, so the decisions after it see its hold returned
    calls.add(call(reserve("due", 0, budget("project:t", 20, 6))));
    calls.add(call(reserve("after", 60_000, budget("project:t", 20, 5))));

    List<Object> replies = store.run(DecisionBatcher.combine(calls));

    assertThat(ScriptCodec.planResult(list(replies.get(1))).results().get(0).used()).isEqualTo(10);
    PlanResult after = ScriptCodec.planResult(list(replies.get(2)));
    assertThat(after.admitted()).isTrue();
    assertThat(after.results().get(0).used()).isEqualTo(9);
    assertThat(store.apply(check(budget("project:t", 20, 0))).results().get(0).used()).isEqualTo(9);
  }

  /** The replies to one batch, and what Redis counted of each command between just before and just after it. */
  private record Counted(List<Object> replies, Map<String, Long> before, Map<String, Long> after) {
    long calls(String command) {
      return after.getOrDefault(command, 0L) - before.getOrDefault(command, 0L);
    }
  }

  /** Runs {@code calls} as one batch, counting the commands Redis runs for it. */
  private Counted runCounting(List<ScriptCodec.Call> calls) {
    Map<String, Long> before = CommandStats.calls(server.admin());
    List<Object> replies = store.run(DecisionBatcher.combine(calls));
    return new Counted(replies, before, CommandStats.calls(server.admin()));
  }

  @Test
  void theDecisionsOfOneBatchShareOneClockAndEachAddsItsOwnTestOffset() {
    ScriptCodec.Call batch = DecisionBatcher.combine(List.of(
        new ScriptCodec(store.keys()).apply(check(rate("user:t", 5)), 0),
        new ScriptCodec(store.keys()).apply(check(rate("user:t", 5)), 7_000),
        new ScriptCodec(store.keys()).apply(check(rate("user:t", 5)), 0)));

    List<Object> replies = store.run(batch);

    long first = ScriptCodec.planResult(list(replies.get(0))).nowMs();
    assertThat(ScriptCodec.planResult(list(replies.get(1))).nowMs()).isEqualTo(first + 7_000);
    assertThat(ScriptCodec.planResult(list(replies.get(2))).nowMs()).isEqualTo(first);
  }

  @Test
  void anIdempotencyKeyRepeatedInOneBatchAppliesOnceAndIsAnsweredAsInSeparateCalls() {
    List<CounterOp> ops = List.of(rate("user:i", 10), budget("user:i", 100, 30));
    Plan first = new Plan(Plan.Kind.RESERVE, ops, "r-first", 60_000, "k1", "fp", "p", false);
    Plan repeat = new Plan(Plan.Kind.RESERVE, ops, "r-repeat", 60_000, "k1", "fp", "p", false);
    Plan reused = new Plan(Plan.Kind.RESERVE, ops, "r-reused", 60_000, "k1", "other", "p", false);
    ScriptCodec.Call batch = DecisionBatcher.combine(List.of(call(first), call(repeat), call(reused)));

    List<Object> replies = store.run(batch);

    PlanResult applied = ScriptCodec.planResult(list(replies.get(0)));
    PlanResult replayed = ScriptCodec.planResult(list(replies.get(1)));
    assertThat(applied.status()).isEqualTo(PlanResult.Status.APPLIED);
    assertThat(applied.admitted()).isTrue();
    assertThat(replayed.status()).isEqualTo(PlanResult.Status.REPLAYED);
    assertThat(replayed.results()).isEqualTo(applied.results());
    assertThat(replayed.reservationId()).isEqualTo("r-first");
    assertThat(ScriptCodec.planResult(list(replies.get(2))).status()).isEqualTo(PlanResult.Status.CONFLICT);
    assertThat(store.apply(check(rate("user:i", 10))).results().get(0).used()).isEqualTo(1);
    assertThat(store.apply(check(budget("user:i", 100, 0))).results().get(0).used()).isEqualTo(30);
    assertThat(store.settle(dev.quota.plan.Settlement.release("r-repeat")).status())
        .isEqualTo(dev.quota.plan.SettleResult.Status.UNKNOWN);
  }

  @Test
  void aDecisionAnsweringNeedsSeedOrPeriodMismatchInABatchChangesNothingAndTheOthersApply() {
    long now = store.nowMs();
    // the epoch marker starts with the first missing budget: a period that began before it needs a seed
    BudgetOp unseeded = budget("user:seed", 100, 5);
    Plan seeded = new Plan(Plan.Kind.RECORD, List.of(rate("user:seed", 10), unseeded), null, 0, null, "fp", null, true);
    BudgetOp ended = new BudgetOp(CounterKeys.budget("user:old", "USD", "day", now - 7_200_000), true, "b", 100, 5,
        now - 7_200_000, now - 3_600_000, new long[0]);
    Plan mismatched = record(rate("user:old", 10), ended);
    ScriptCodec.Call batch = DecisionBatcher.combine(List.of(
        call(seeded), call(record(rate("user:ok", 10))), call(mismatched), call(record(budget("user:ok", 100, 9)))));

    List<Object> replies = store.run(batch);

    PlanResult needsSeed = ScriptCodec.planResult(list(replies.get(0)));
    assertThat(needsSeed.status()).isEqualTo(PlanResult.Status.NEEDS_SEED);
    assertThat(needsSeed.seedIndices()).containsExactly(1);
    assertThat(ScriptCodec.planResult(list(replies.get(1))).results().get(0).used()).isEqualTo(1);
    assertThat(ScriptCodec.planResult(list(replies.get(2))).status()).isEqualTo(PlanResult.Status.PERIOD_MISMATCH);
    assertThat(ScriptCodec.planResult(list(replies.get(3))).results().get(0).used()).isEqualTo(9);
    assertThat(store.apply(check(rate("user:seed", 10))).results().get(0).used()).isZero();
    assertThat(store.apply(check(rate("user:old", 10))).results().get(0).used()).isZero();
  }

  @Test
  void manyThreadsExactlyExhaustAWindowAndABudgetTogetherThroughSharedCalls() throws Exception {
    try (RedisStore batched = RedisStore.builder().uri(server.uri()).timeout(Duration.ofSeconds(10)).build()) {
      int threads = 16;
      int perThread = 25;
      // the budget allows 100 / 4 = 25 reservations, the window 30: the budget decides, to the unit
      List<CounterOp> ops = List.of(rate("user:hot", 30), budget("user:hot", 100, 4));
      java.util.concurrent.atomic.AtomicInteger admitted = new java.util.concurrent.atomic.AtomicInteger();
      java.util.concurrent.atomic.AtomicInteger windowAdmitted = new java.util.concurrent.atomic.AtomicInteger();
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int thread = t;
          done.add(pool.submit(() -> {
            go.await();
            for (int i = 0; i < perThread; i++) {
              Plan reserve = new Plan(Plan.Kind.RESERVE, ops, "h" + thread + "-" + i, 60_000, null, "fp", null, false);
              if (batched.apply(reserve).admitted()) {
                admitted.incrementAndGet();
              }
              // every record counts, once; of the 400 reservations on a window alone, 40 fit
              if (batched.apply(record(rate("user:w", 1_000))).results().get(0).allowed()
                  && batched.apply(new Plan(Plan.Kind.RESERVE, List.of(rate("user:win", 40)), "w" + thread + "-" + i,
                      60_000, null, "fp", null, false)).admitted()) {
                windowAdmitted.incrementAndGet();
              }
            }
            return null;
          }));
        }
        go.countDown();
        for (Future<?> f : done) {
          f.get();
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(admitted.get()).isEqualTo(25);
      assertThat(windowAdmitted.get()).isEqualTo(40);
      assertThat(batched.apply(check(rate("user:hot", 30))).results().get(0).used()).isEqualTo(25);
      assertThat(batched.apply(check(budget("user:hot", 100, 0))).results().get(0).used()).isEqualTo(100);
      assertThat(batched.apply(check(rate("user:win", 40))).results().get(0).used()).isEqualTo(40);
      assertThat(batched.apply(check(rate("user:w", 1_000))).results().get(0).used()).isEqualTo(threads * perThread);
    }
  }

  @Test
  void decisionsQueuedWhenTheConnectionDropsFailAtOnceAndTheNextDecisionsFlowAgain() throws Exception {
    try (RedisStore queued = RedisStore.builder().uri(server.uri()).timeout(Duration.ofSeconds(60)).batching(1, 64).build()) {
      queued.nowMs();
      server.admin().clientPause(60_000);
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<PlanResult>> results = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          results.add(pool.submit(() -> queued.apply(record(rate("user:lost", 100)))));
        }
        while (queued.batcher().queued() < 7) {
          Thread.onSpinWait();
        }
        server.stop();
        for (Future<PlanResult> r : results) {
          assertThat(catchCause(r)).isInstanceOf(dev.quota.StoreUnavailableException.class)
              .hasMessageNotContaining("did not answer");
        }
        assertThat(queued.batcher().queued()).isZero();
      } finally {
        pool.shutdownNow();
      }
      server.start();
      // the calls in flight were counted down: new decisions are sent (the library is loaded again)
      ExecutorService again = Executors.newFixedThreadPool(4);
      try {
        List<Future<PlanResult>> results = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
          results.add(again.submit(() -> queued.apply(record(rate("user:back", 100)))));
        }
        for (Future<PlanResult> r : results) {
          assertThat(r.get().admitted()).isTrue();
        }
      } finally {
        again.shutdownNow();
      }
      assertThat(queued.apply(check(rate("user:back", 100))).results().get(0).used()).isEqualTo(40);
    }
  }

  @Test
  void decisionsQueuedWhenTheLibraryIsGoneAreEachAppliedOnce() throws Exception {
    RedisCommands<String, String> redis = server.admin();
    redis.functionFlush(io.lettuce.core.FlushMode.SYNC);
    // writes (and so every call of the library) wait, while this connection may still unpause
    client(redis, "PAUSE", "60000", "WRITE");
    ExecutorService pool = Executors.newFixedThreadPool(20);
    try {
      List<Future<PlanResult>> results = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        results.add(pool.submit(() -> store.apply(record(rate("user:flushed", 100)))));
      }
      // Bounded: on a slow machine the first call's "no such function" can come back before all
      // twenty are queued, and the queue then drains in smaller calls; each must still apply once.
      long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      while (store.batcher().queued() < 19 && System.nanoTime() < giveUp) {
        Thread.onSpinWait();
      }
      client(redis, "UNPAUSE");
      for (Future<PlanResult> r : results) {
        assertThat(r.get().admitted()).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(store.apply(check(rate("user:flushed", 100))).results().get(0).used()).isEqualTo(20);
  }

  private static void client(RedisCommands<String, String> redis, String... args) {
    io.lettuce.core.codec.StringCodec utf8 = io.lettuce.core.codec.StringCodec.UTF8;
    redis.dispatch(io.lettuce.core.protocol.CommandType.CLIENT, new io.lettuce.core.output.StatusOutput<>(utf8),
        new io.lettuce.core.protocol.CommandArgs<>(utf8).addValues(args));
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object o) {
    return (List<Object>) o;
  }

  @Test
  void concurrentDecisionsExactlyExhaustALimitInSharedCallsAndOnlyTheFailingOneFails() throws Exception {
    BudgetOp broken = clobbered("user:broken", 1);
    RedisCommands<String, String> redis = server.admin();
    long fcallsBefore = CommandStats.calls(redis).getOrDefault("fcall", 0L);
    int deciders = 40;
    long limit = 25;
    // Redis holds every call for a while (CLIENT UNPAUSE would wait out the pause too), long enough
    // for all deciders to wait: one call in flight, the rest queued behind it
    redis.clientPause(5_000);
    ExecutorService pool = Executors.newFixedThreadPool(deciders + 1);
    try {
      List<Future<PlanResult>> results = new ArrayList<>();
      for (int i = 0; i < deciders; i++) {
        Plan reserve = new Plan(Plan.Kind.RESERVE, List.of(rate("user:shared", limit)), "r" + i, 60_000, null, "fp", null, false);
        results.add(pool.submit(() -> store.apply(reserve)));
      }
      Future<PlanResult> failing = pool.submit(() -> store.apply(record(rate("user:other", limit), broken)));
      while (store.batcher().queued() < deciders && !failing.isDone()) {
        Thread.onSpinWait();
      }

      int admitted = 0;
      for (Future<PlanResult> r : results) {
        admitted += r.get().admitted() ? 1 : 0;
      }
      assertThat(admitted).isEqualTo(limit);
      assertThat(catchCause(failing)).isInstanceOf(IllegalStateException.class).hasMessageContaining("WRONGTYPE");
    } finally {
      pool.shutdownNow();
    }
    assertThat(store.apply(check(rate("user:shared", limit))).results().get(0).used()).isEqualTo(limit);
    assertThat(store.apply(check(rate("user:other", limit))).results().get(0).used()).isZero();
    // one call was in flight; the other 40 decisions left in one batch after it
    long fcalls = CommandStats.calls(redis).get("fcall") - fcallsBefore;
    assertThat(fcalls).isLessThanOrEqualTo(2 + 2); // the two checks above are calls of their own
  }

  private static Throwable catchCause(Future<?> f) {
    try {
      f.get();
      return null;
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }
}
