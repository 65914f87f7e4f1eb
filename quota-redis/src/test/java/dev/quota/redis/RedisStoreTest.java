package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.Algorithm;
import dev.quota.RateLimit;
import dev.quota.ValidationException;
import dev.quota.plan.BudgetOp;
import dev.quota.plan.ConcurrencyOp;
import dev.quota.plan.CounterKeys;
import dev.quota.plan.CounterOp;
import dev.quota.plan.OpResult;
import dev.quota.plan.Plan;
import dev.quota.plan.PlanResult;
import dev.quota.plan.RateOp;
import dev.quota.plan.SettleResult;
import dev.quota.plan.Settlement;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Redis-specific promises: exact number range, key expiry, and one round trip per decision. */
class RedisStoreTest {
  private static final long MAX = (1L << 53) - 1;
  private final String prefix = "test:redis:" + UUID.randomUUID() + ":";
  private RedisStore store;
  private long start;
  private long end;

  @BeforeEach
  void open() {
    store = RedisStore.builder().prefix(prefix).timeout(Duration.ofSeconds(2)).build();
    long now = store.nowMs();
    start = now - 60_000;
    end = now + 3_600_000;
  }

  @AfterEach
  void drop() {
    store.deleteAll();
    store.close();
  }

  private BudgetOp budget(String subject, long limit, long amount) {
    return new BudgetOp(CounterKeys.budget(subject, "USD", "day", start), true, "b", limit, amount, start, end, new long[0]);
  }

  private static Plan record(CounterOp... ops) {
    return new Plan(Plan.Kind.RECORD, List.of(ops), null, 0, null, "fp", null, false);
  }

  private static Plan reserve(String id, CounterOp... ops) {
    return new Plan(Plan.Kind.RESERVE, List.of(ops), id, 30_000, null, "fp", "payload", false);
  }

  /** Without a prefix the store's keys would mix with the database's others, and deleteAll would delete those. */
  @Test
  void anEmptyPrefixIsRefusedByName() {
    assertThatThrownBy(() -> RedisStore.builder().prefix(""))
        .isInstanceOfSatisfying(ValidationException.class, e -> {
          assertThat(e.field()).isEqualTo("prefix");
          assertThat(e.rule()).isEqualTo("must not be empty");
        });
  }

  @Test
  void amountsUpToTwoToTheFiftyThreeMinusOneAreExactAndBeyondAreRejected() {
    assertThat(store.apply(record(budget("user:max", MAX, MAX))).results().get(0).used()).isEqualTo(MAX);
    // a budget counter charged past the range stays just past it (see the store contract)
    assertThat(store.apply(record(budget("user:max", MAX, 1))).results().get(0).used()).isEqualTo(ExactRange.PAST);
    assertThat(store.apply(record(budget("user:max", MAX, 0))).results().get(0).used()).isEqualTo(ExactRange.PAST);

    assertThatThrownBy(() -> store.apply(record(budget("user:over", MAX + 1, 1))))
        .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("limitNanos"))
        .hasMessageContaining("2^53-1");
    assertThatThrownBy(() -> store.apply(record(budget("user:over", MAX, MAX + 1))))
        .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("amountNanos"));
    assertThat(store.apply(record(budget("user:over", MAX, 0))).results().get(0).used()).isZero();

    // a token bucket counts in fractions of a token, but takes any amount in range: its debt
    // saturates (at 1,024 full buckets) rather than scale the amount out of range
    RateLimit tb = new RateLimit("tokens", 1, Duration.ofSeconds(1), Algorithm.TOKEN_BUCKET);
    RateOp most = new RateOp(CounterKeys.rate("user:tb", tb), true, "t", tb, MAX);
    assertThat(store.apply(record(most)).results().get(0).used()).isEqualTo(1 + 1024);
    RateOp tooBig = new RateOp(CounterKeys.rate("user:tb", tb), true, "t", tb, MAX + 1);
    assertThatThrownBy(() -> store.apply(record(tooBig)))
        .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("amount"));
    assertThatThrownBy(() -> store.settle(Settlement.commit("r", MAX + 1, Map.of())))
        .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("actualCostNanos"));
  }

  /**
   * A bucket of a window longer than 65,536 ms counts in ticks (55 ms for an hour, 65,455 to the
   * window) and says so in its k field; one written before ticks (no k, its level in 1/windowMs
   * token) is read as the whole tokens it held. Its key lasts until a refill in ticks fills it.
   */
  @Test
  void aLongWindowBucketCountsInTicksAndReadsALevelWrittenBeforeThemAsWholeTokens() {
    RateLimit hourly = new RateLimit("tokens", 1_000, Duration.ofHours(1), Algorithm.TOKEN_BUCKET);
    RateOp one = new RateOp(CounterKeys.rate("user:old-bucket", hourly), true, "tb", hourly, 1);
    String key = store.keys().counter(one);
    try (RedisClient client = RedisClient.create("redis://127.0.0.1:6379");
        StatefulRedisConnection<String, String> c = client.connect()) {
      RedisCommands<String, String> redis = c.sync();
      // 250.5 tokens in units of 1/3,600,000 token
      redis.hset(key, Map.of("l", Long.toString(250 * 3_600_000L + 1_800_000), "t", Long.toString(store.nowMs())));
      assertThat(store.apply(check(one)).results().get(0).used()).isEqualTo(750);

      assertThat(store.apply(record(one)).results().get(0).used()).isEqualTo(751);
      assertThat(redis.hget(key, "k")).isEqualTo("65455");
      assertThat(Long.parseLong(redis.hget(key, "l")) / 65_455).isEqualTo(249);
      // 751 tokens at 1,000 per 65,455 ticks of 55 ms: 2,703,619 ms, and a minute of slack
      assertThat(redis.pttl(key)).isBetween(2_700_000L, 2_763_619L);
    }
  }

  /**
   * A budget counter written before counters kept the highest level they alerted (field a) kept
   * alert bits (field f), which name levels by their position in the policy's list: any bit counts
   * every level up to the counter's spend as alerted, so none of them alerts twice and a higher one
   * still does. Both the short path (no idempotency key) and the general one read it so.
   */
  @Test
  void aBudgetCounterWithAlertBitsFromBeforeAlertsOnlyLevelsAboveItsSpend() {
    long[] levels = {50, 80};
    try (RedisClient client = RedisClient.create("redis://127.0.0.1:6379");
        StatefulRedisConnection<String, String> c = client.connect()) {
      for (String idempotencyKey : new String[] {null, "legacy-" + UUID.randomUUID()}) {
        String subject = "user:legacy-alerts-" + (idempotencyKey == null ? "short" : "general");
        BudgetOp charge = new BudgetOp(CounterKeys.budget(subject, "USD", "day", start), true, "b", 100, 25, start, end, levels);
        c.sync().hset(store.keys().counter(charge), Map.of("u", "60", "f", "1", "e", Long.toString(end)));
        Plan plan = new Plan(Plan.Kind.RECORD, List.of(charge), null, 0, idempotencyKey, "fp", null, false);
        OpResult o = store.apply(plan).results().get(0);
        assertThat(o.used()).as(subject).isEqualTo(85);
        assertThat(o.firedThresholds()).as(subject + ": 80 alerts, 50 does not again").isEqualTo(2);
      }
    }
  }

  /**
   * A slot counter written before its holders were filed counts its slots as before. While such a
   * slot is held, a full cap names no retry time (its expiry is unknown); once they are all gone it
   * names the soonest expiry of the slots held since.
   */
  @Test
  void aSlotHeldFromBeforeHoldersWereFiledNamesNoRetryTimeUntilItIsGone() {
    String subject = "user:legacy-slots";
    ConcurrencyOp cap = new ConcurrencyOp(CounterKeys.concurrency(subject), true, "c", 2);
    long now = store.nowMs();
    try (RedisClient client = RedisClient.create("redis://127.0.0.1:6379");
        StatefulRedisConnection<String, String> c = client.connect()) {
      c.sync().psetex(store.keys().counter(cap), 5_000, "1:" + (now + 5_000));
    }
    PlanResult since = store.apply(reserve("since", cap));
    assertThat(since.admitted()).isTrue();
    OpResult refused = store.apply(reserve("refused", cap)).results().get(0);
    assertThat(refused).isEqualTo(new OpResult(false, 2, 0, -1, 0));

    // the slot from before goes when its counter expires; the one since is the only one held then
    try (RedisClient client = RedisClient.create("redis://127.0.0.1:6379");
        StatefulRedisConnection<String, String> c = client.connect()) {
      c.sync().set(store.keys().counter(cap), "1:" + since.expiresAtMs());
    }
    Plan full = new Plan(Plan.Kind.CHECK, List.of(new ConcurrencyOp(cap.key(), true, "c", 1)), null, 0, null, "fp", null, false);
    assertThat(store.apply(full).results().get(0).retryAtMs()).isEqualTo(since.expiresAtMs());
  }

  @Test
  void aSettlementThatIsTheFirstCallAfterAnExpiryReturnsTheHoldOnce() {
    AtomicLong offset = new AtomicLong();
    try (RedisStore shifted = RedisStore.builder().prefix(prefix).timeout(Duration.ofSeconds(2))
        .testClockOffset(offset::get).build()) {
      shifted.apply(new Plan(Plan.Kind.RESERVE, List.of(budget("user:exp", 100, 50)), "short", 1_000, null, "fp", "p", false));
      shifted.apply(new Plan(Plan.Kind.RESERVE, List.of(budget("user:exp", 100, 30)), "long", 600_000, null, "fp", "p", false));
      offset.addAndGet(5_000);
      assertThat(shifted.settle(Settlement.release("short")).status()).isEqualTo(SettleResult.Status.EXPIRED);
      assertThat(shifted.apply(check(budget("user:exp", 100, 0))).results().get(0).used()).isEqualTo(30);
    }
  }

  @Test
  void aReservationWithoutHoldsExpiresFromItsRecordAlone() {
    AtomicLong offset = new AtomicLong();
    try (RedisStore shifted = RedisStore.builder().prefix(prefix).timeout(Duration.ofSeconds(2))
        .testClockOffset(offset::get).build()) {
      RateLimit sw = RateLimit.perWindow(5, Duration.ofMinutes(1));
      RateOp rate = new RateOp(CounterKeys.rate("user:rate-only", sw), true, "sw", sw, 1);
      shifted.apply(new Plan(Plan.Kind.RESERVE, List.of(rate), "rate-only", 1_000, null, "fp", "p", false));
      offset.addAndGet(1_500);
      assertThat(shifted.settle(Settlement.commit("rate-only", 0, Map.of())).status())
          .isEqualTo(SettleResult.Status.EXPIRED);
      assertThat(shifted.settle(Settlement.commit("rate-only", 0, Map.of())).status())
          .isEqualTo(SettleResult.Status.EXPIRED);
      assertThat(shifted.apply(check(rate)).results().get(0).used()).isEqualTo(1);
    }
  }

  private static Plan check(CounterOp... ops) {
    return new Plan(Plan.Kind.CHECK, List.of(ops), null, 0, null, "fp", null, false);
  }

  @Test
  void subjectsAndPayloadsBeyondAsciiTravelIntactAndStayApart() {
    String[] subjects = {"user:zoe", "user:zo\u00eb", "user:\ud83d\ude80", "user:\u6771\u4eac"};
    for (int i = 0; i < subjects.length; i++) {
      store.apply(record(budget(subjects[i], 100, i + 1)));
    }
    for (int i = 0; i < subjects.length; i++) {
      assertThat(store.apply(check(budget(subjects[i], 100, 0))).results().get(0).used()).isEqualTo(i + 1);
    }
    String payload = "user=zo\u00eb&project=\ud83d\ude80";
    store.apply(new Plan(Plan.Kind.RESERVE, List.of(budget("user:zo\u00eb", 100, 5)), "r-utf8", 30_000, null, "fp", payload, false));
    assertThat(store.settle(Settlement.release("r-utf8")).payload()).isEqualTo(payload);
  }

  @Test
  void aPayloadThatLooksLikeTheRecordLayoutComesBackAsItWas() {
    String payload = "3:12:ab\u0000:7:\u00e9:";
    store.apply(new Plan(Plan.Kind.RESERVE, List.of(budget("user:p:1", 100, 5), budget("user:p:2", 100, 7)), "r-colons",
        30_000, null, "fp", payload, false));
    SettleResult settled = store.settle(Settlement.release("r-colons"));
    assertThat(settled.payload()).isEqualTo(payload);
    assertThat(settled.heldNanos()).isEqualTo(7);
    assertThat(store.apply(check(budget("user:p:2", 100, 0))).results().get(0).used()).isZero();
  }

  @Test
  void aReservationOfSubjectsMadeOfDigitsAndColonsSettlesAndExpiresEveryPart() {
    AtomicLong offset = new AtomicLong();
    try (RedisStore shifted = RedisStore.builder().prefix(prefix).timeout(Duration.ofSeconds(2))
        .testClockOffset(offset::get).build()) {
      RateLimit tokens = new RateLimit("tokens", 1_000, Duration.ofMinutes(1), Algorithm.SLIDING_WINDOW);
      for (String subject : List.of("12:3:A4:", "A1:2:", "7")) {
        RateOp rate = new RateOp(CounterKeys.rate(subject, tokens), true, "t:1:", tokens, 10);
        BudgetOp hold = budget(subject, 100, 40);
        ConcurrencyOp slot = new ConcurrencyOp(CounterKeys.concurrency(subject), true, "c", 2);
        // settled, with an empty payload (kept apart from none) and a meter overrun
        shifted.apply(new Plan(Plan.Kind.RESERVE, List.of(rate, hold, slot), subject + ":s", 30_000, null, "fp", "", false));
        SettleResult settled = shifted.settle(Settlement.commit(subject + ":s", 25, Map.of("tokens", 13L)));
        assertThat(settled.status()).isEqualTo(SettleResult.Status.SETTLED);
        assertThat(settled.payload()).isEmpty();
        assertThat(settled.heldNanos()).isEqualTo(40);
        assertThat(shifted.apply(check(rate, hold, slot)).results())
            .extracting(r -> r.used()).containsExactly(13L, 25L, 0L);
        // expired: the next decision on its holds returns them
        PlanResult held = shifted.apply(
            new Plan(Plan.Kind.RESERVE, List.of(rate, hold, slot), subject + ":x", 1_000, null, "fp", null, false));
        assertThat(held.admitted()).isTrue();
        offset.addAndGet(2_000);
        assertThat(shifted.apply(check(hold, slot)).results()).extracting(r -> r.used()).containsExactly(25L, 0L);
        SettleResult expired = shifted.settle(Settlement.release(subject + ":x"));
        assertThat(expired.status()).isEqualTo(SettleResult.Status.EXPIRED);
        assertThat(expired.payload()).isNull();
      }
    }
  }

  @Test
  void aReservationFiledAsAMsgpackRecordByAnEarlierVersionStillSettles() {
    BudgetOp hold = budget("user:old", 100, 40);
    store.apply(record(hold));
    long now = store.nowMs();
    String key = store.keys().counter(hold);
    String fields = String.join("\0", ScriptCodec.fields(hold));
    try (RedisClient client = RedisClient.create("redis://127.0.0.1:6379");
        StatefulRedisConnection<String, String> c = client.connect()) {
      c.sync().eval("redis.call('SET', KEYS[1], cmsgpack.pack({s = 'a', e = ARGV[1], h = '40', n = '1', t = ARGV[2],"
              + " k1 = ARGV[3], o1 = ARGV[4], p = 'old'}), 'PX', 600000)",
          io.lettuce.core.ScriptOutputType.STATUS, new String[] {store.keys().reservation("r-old")},
          Long.toString(now + 60_000), Long.toString(now), key, fields);
    }
    SettleResult settled = store.settle(Settlement.release("r-old"));
    assertThat(settled.status()).isEqualTo(SettleResult.Status.SETTLED);
    assertThat(settled.payload()).isEqualTo("old");
    assertThat(store.apply(check(budget("user:old", 100, 0))).results().get(0).used()).isZero();
    assertThat(store.settle(Settlement.release("r-old")).status()).isEqualTo(SettleResult.Status.REPEATED);
  }

  @Test
  void aPlanThatNamesOneSlidingWindowTwiceCountsBothAgainstIt() {
    RateLimit sw = RateLimit.perWindow(5, Duration.ofMinutes(1));
    RateOp once = new RateOp(CounterKeys.rate("user:twice", sw), true, "sw", sw, 2);
    assertThat(store.apply(record(once, once)).results().get(1).used()).isEqualTo(4);
    PlanResult denied = store.apply(new Plan(Plan.Kind.RESERVE, List.of(once), "r-twice", 30_000, null, "fp", null, false));
    assertThat(denied.admitted()).isFalse();
    assertThat(store.apply(check(once)).results().get(0).used()).isEqualTo(4);
  }

  @Test
  void everyKeyExpires() {
    RateLimit sw = RateLimit.perWindow(5, Duration.ofMinutes(1));
    RateLimit tb = new RateLimit("tokens", 50, Duration.ofSeconds(10), Algorithm.TOKEN_BUCKET);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String s = CounterKeys.subjectOf(dev.quota.Subject.of("user", "u" + (i % 4)));
      String id = "r" + i;
      ids.add(id);
      Plan plan = new Plan(Plan.Kind.RESERVE,
          List.of(new RateOp(CounterKeys.rate(s, sw), true, "sw", sw, 1), new RateOp(CounterKeys.rate(s, tb), true, "tb", tb, 3),
              budget(s, 1000, 10), new ConcurrencyOp(CounterKeys.concurrency(s), true, "c", 3)),
          id, 5_000, i % 3 == 0 ? "idem-" + i : null, "fp", "p", false);
      store.apply(plan);
    }
    store.settle(Settlement.commit("r0", 7, Map.of("tokens", 9L)));
    store.settle(Settlement.release("r1"));
    store.seed(budget("user:seeded", 1000, 0).key(), 5, end, 0);
    store.apply(record(budget("user:recorded", 1000, 10)));

    Map<String, Long> ttl = new HashMap<>();
    try (RedisClient client = RedisClient.create("redis://127.0.0.1:6379");
        StatefulRedisConnection<String, String> c = client.connect()) {
      RedisCommands<String, String> redis = c.sync();
      ScanCursor cursor = ScanCursor.INITIAL;
      do {
        KeyScanCursor<String> page = redis.scan(cursor, ScanArgs.Builder.matches(store.keys().everything()).limit(500));
        for (String key : page.getKeys()) {
          ttl.put(key, redis.pttl(key));
        }
        cursor = page;
      } while (!cursor.isFinished());
    }
    assertThat(ttl).hasSizeGreaterThan(20);
    assertThat(ttl).allSatisfy((key, pttl) -> assertThat(pttl).as(key).isPositive());
    // nothing outlives its period plus slack (an hour here) or a settled record's day
    assertThat(ttl).allSatisfy((key, pttl) -> assertThat(pttl).as(key).isLessThanOrEqualTo(Duration.ofDays(41).toMillis()));
    assertThat(ttl).allSatisfy((key, pttl) -> {
      if (key.contains("}")) {
        assertThat(pttl).as(key).isLessThanOrEqualTo(end - start + 3_600_000L);
      }
    });
  }
}
