package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Algorithm;
import dev.quota.RateLimit;
import dev.quota.plan.BudgetOp;
import dev.quota.plan.ConcurrencyOp;
import dev.quota.plan.CounterKey;
import dev.quota.plan.CounterOp;
import dev.quota.plan.Plan;
import dev.quota.plan.RateOp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An apply call's arguments, built from arrays and remembered rate fields, lay out as quota.lua reads them. */
class ScriptCodecTest {
  private static final RateLimit PER_MINUTE = new RateLimit(RateLimit.REQUESTS, 100, Duration.ofMinutes(1), Algorithm.SLIDING_WINDOW);
  private final RedisKeys keys = new RedisKeys("q:");
  private final ScriptCodec codec = new ScriptCodec(keys);

  @Test
  void aReservationCarriesEachOpsFieldsAndTheRecordTheClusterCodecWouldFile() {
    List<CounterOp> ops = List.of(
        new RateOp(new CounterKey("user:zo\u00eb", "rate"), true, "r", PER_MINUTE, 2),
        new BudgetOp(new CounterKey("team:t", "budget"), false, "b", 1_000, 40, 0, 86_400_000, new long[] {500, 900}),
        new ConcurrencyOp(new CounterKey("user:zo\u00eb", "slots"), true, "c", 3));
    Plan plan = new Plan(Plan.Kind.RESERVE, ops, "r-1", 5_000, "idem", "fp", "pay\u00efload", true);
    ScriptCodec.Call call = codec.apply(plan, 7);

    List<String> counterKeys = new ArrayList<>();
    List<List<String>> opFields = new ArrayList<>();
    List<String> expected = new ArrayList<>(List.of("apply", "7", "reserve", "5000", "fp"));
    expected.add(ReservationRecord.body(counterKeys, opFields, ReservationRecord.held(ops), "pay\u00efload"));
    expected.addAll(List.of("0", "1", "1", "3"));
    for (CounterOp op : ops) {
      counterKeys.add(keys.counter(op));
      List<String> f = ScriptCodec.fields(op);
      opFields.add(f);
      expected.add(Integer.toString(f.size()));
      expected.addAll(f);
    }
    expected.add("r-1");
    expected.set(5, ReservationRecord.body(counterKeys, opFields, ReservationRecord.held(ops), "pay\u00efload"));

    assertThat(call.args()).containsExactlyElementsOf(expected);
    List<String> expectedKeys = new ArrayList<>(List.of(keys.epoch(), keys.expiries(), keys.idempotency("idem"), keys.reservation("r-1")));
    expectedKeys.addAll(counterKeys);
    assertThat(call.keys()).containsExactlyElementsOf(expectedKeys);
  }

  @Test
  void aCheckFilesNoRecordAndPointsUnusedKeysAtTheEpoch() {
    Plan plan = new Plan(Plan.Kind.CHECK, List.of(new RateOp(new CounterKey("user:u", "rate"), true, "r", PER_MINUTE, 1)),
        null, 0, null, null, null, false);
    ScriptCodec.Call call = codec.apply(plan, 0);
    assertThat(call.keys()).containsExactly(keys.epoch(), keys.expiries(), keys.epoch(), keys.epoch(),
        keys.counter(plan.ops().get(0)));
    assertThat(Arrays.asList(call.args()).subList(0, 10)).containsExactly("apply", "0", "check", "0", "", "", "0", "0", "0", "1");
  }

  @Test
  void rememberedRateFieldsFollowTheAmountAndWhetherTheLimitIsEnforced() {
    CounterKey key = new CounterKey("user:u", "rate");
    for (RateOp op : List.of(new RateOp(key, true, "r", PER_MINUTE, 1), new RateOp(key, true, "r", PER_MINUTE, 5),
        new RateOp(key, false, "r", PER_MINUTE, 5), new RateOp(key, true, "r", PER_MINUTE, 1))) {
      Plan plan = new Plan(Plan.Kind.RECORD, List.of(op), null, 0, null, null, null, false);
      List<String> args = Arrays.asList(codec.apply(plan, 0).args());
      List<String> f = ScriptCodec.fields(op);
      assertThat(args.subList(10, 11 + f.size())).containsExactlyElementsOf(
          concat(Integer.toString(f.size()), f));
      assertThat(f.get(1)).isEqualTo(op.enforced() ? "1" : "0");
      assertThat(f.get(5)).isEqualTo(Long.toString(op.amount()));
    }
  }

  @Test
  void eachCallCarriesItsOwnTtlAndClockOffset() {
    List<CounterOp> ops = List.of(new RateOp(new CounterKey("user:u", "rate"), true, "r", PER_MINUTE, 1));
    long[][] cases = {{5_000, 0}, {7_000, 63}, {7_000, 64}, {5_000, 86_400_000}, {0, 1}};
    for (long[] c : cases) {
      Plan plan = new Plan(Plan.Kind.RESERVE, ops, "r", c[0], null, null, null, false);
      String[] args = codec.apply(plan, c[1]).args();
      assertThat(args[1]).isEqualTo(Long.toString(c[1]));
      assertThat(args[3]).isEqualTo(Long.toString(c[0]));
    }
  }

  @Test
  void decisionsSharingOneOpsListEachCarryTheirOwnIdPayloadAndKindAsIfBuiltAfresh() {
    List<CounterOp> shared = List.of(
        new RateOp(new CounterKey("user:u", "rate"), true, "r", PER_MINUTE, 1),
        new BudgetOp(new CounterKey("user:u", "budget"), true, "b", 1_000, 40, 0, 86_400_000, new long[] {500}));
    Plan[] plans = {
      new Plan(Plan.Kind.RESERVE, shared, "r-1", 5_000, null, "fp", "first", false),
      new Plan(Plan.Kind.RESERVE, shared, "r-{2}%", 5_000, "k", "fp", null, false),
      new Plan(Plan.Kind.CHECK, shared, null, 0, null, "fp", null, false),
      new Plan(Plan.Kind.RESERVE, shared, "r-3", 6_000, null, "fp", "thi\u00efrd", true),
    };
    for (Plan plan : plans) {
      ScriptCodec.Call remembered = codec.apply(plan, 0);
      // a new codec, and a list of its own, share nothing with the decisions before
      Plan alone = new Plan(plan.kind(), new ArrayList<>(shared), plan.reservationId(), plan.ttlMs(), plan.idempotencyKey(),
          plan.fingerprint(), plan.payload(), plan.seedBudgets());
      ScriptCodec.Call fresh = new ScriptCodec(keys).apply(alone, 0);
      assertThat(remembered.keys()).containsExactly(fresh.keys());
      assertThat(remembered.args()).containsExactly(fresh.args());
    }
    assertThat(codec.apply(plans[1], 0).keys()[3]).isEqualTo("q:res:r-%7B2%7D%25");
    assertThat(codec.apply(plans[0], 0).args()[5]).endsWith("5:first");
  }

  private static List<String> concat(String first, List<String> rest) {
    List<String> l = new ArrayList<>(List.of(first));
    l.addAll(rest);
    return l;
  }
}
