package dev.quota.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Algorithm;
import dev.quota.RateLimit;
import dev.quota.plan.BudgetOp;
import dev.quota.plan.CounterKey;
import dev.quota.plan.CounterKeys;
import dev.quota.plan.CounterOp;
import dev.quota.plan.RateOp;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReservationShapeTest {
  private static final long[] LEVELS = {50, 80};
  private static final String SUBJECT = CounterKeys.subjectOf(dev.quota.Subject.of("user", "alice"));
  private static final CounterKey DAY = CounterKeys.budget(SUBJECT, "USD", "daily", 0);
  private static final CounterKey MONTH = CounterKeys.budget(SUBJECT, "USD", "monthly", 0);
  private static final RateLimit LIMIT = new RateLimit(RateLimit.REQUESTS, 10, Duration.ofMinutes(1), Algorithm.SLIDING_WINDOW);

  @Test
  void uniformShapesIgnoreOnlyTheBudgetAmount() {
    BudgetOp base = budget(DAY, 30);
    assertThat(ReservationShape.sameButAmount(base, budget(DAY, 70))).isTrue();
    // Alert levels by content: an index rebuilt from the same policy makes a new array.
    assertThat(ReservationShape.sameButAmount(base, new BudgetOp(DAY, true, "b", 100, 70, 0, 1_000, LEVELS.clone()))).isTrue();
    // Whether a missing counter is seeded first changes nothing a reservation holds.
    assertThat(ReservationShape.sameButAmount(base, new BudgetOp(DAY, true, "b", 100, 30, 0, 1_000, LEVELS, 500))).isTrue();
    List<BudgetOp> others =
        List.of(
            new BudgetOp(MONTH, true, "b", 100, 30, 0, 1_000, LEVELS),
            new BudgetOp(DAY, false, "b", 100, 30, 0, 1_000, LEVELS),
            new BudgetOp(DAY, true, "c", 100, 30, 0, 1_000, LEVELS),
            new BudgetOp(DAY, true, "b", 101, 30, 0, 1_000, LEVELS),
            new BudgetOp(DAY, true, "b", 100, 30, 1, 1_000, LEVELS),
            new BudgetOp(DAY, true, "b", 100, 30, 0, 1_001, LEVELS),
            new BudgetOp(DAY, true, "b", 100, 30, 0, 1_000, new long[] {50, 90}));
    for (BudgetOp other : others) {
      assertThat(ReservationShape.sameButAmount(base, other)).as("%s", other).isFalse();
    }
  }

  @Test
  void everyBudgetComponentButTheAmountIsCompared() {
    // A component added to BudgetOp must be added to sameButAmount (and to the test above).
    assertThat(Arrays.stream(BudgetOp.class.getRecordComponents()).map(c -> c.getName()))
        .containsExactly(
            "key", "enforced", "label", "limitNanos", "amountNanos", "periodStartMs", "periodEndMs", "thresholdNanos",
            "seedBeforeMs");
  }

  @Test
  void aPlanIsUniformWhenItsBudgetsHoldOneAmount() {
    RateOp rate = new RateOp(CounterKeys.rate(SUBJECT, LIMIT), true, "r", LIMIT, 3);
    assertThat(ReservationShape.isUniform(List.of(rate))).isTrue();
    assertThat(ReservationShape.isUniform(List.of(rate, budget(DAY, 30), budget(MONTH, 30)))).isTrue();
    assertThat(ReservationShape.isUniform(List.of(budget(DAY, 30), rate, budget(MONTH, 31)))).isFalse();
    assertThat(ReservationShape.holdOf(List.of(rate), true)).isZero();
    assertThat(ReservationShape.holdOf(List.of(rate, budget(DAY, 30), budget(MONTH, 30)), true)).isEqualTo(30);
    assertThat(ReservationShape.holdOf(List.of(budget(DAY, 30), budget(MONTH, 31)), false)).isEqualTo(31);
  }

  @Test
  void shapesOfOneSubjectAreSharedAcrossEstimatesButNotAcrossUniformity() {
    ShapeTable table = new ShapeTable();
    List<CounterOp> small = List.of(budget(DAY, 30), budget(MONTH, 30));
    List<CounterOp> large = List.of(budget(DAY, 90), budget(MONTH, 90));
    List<CounterOp> mixed = List.of(budget(DAY, 30), budget(MONTH, 90));
    List<CounterOp> mixedAgain = List.of(budget(DAY, 30), budget(MONTH, 90));
    List<CounterOp> mixedOther = List.of(budget(DAY, 31), budget(MONTH, 90));
    ReservationShape a = table.acquire(DerivedOps.Entry.of(small), "p");
    assertThat(table.acquire(DerivedOps.Entry.of(large), "q")).isSameAs(a);
    ReservationShape m = table.acquire(DerivedOps.Entry.of(mixed), "p");
    assertThat(m).isNotSameAs(a);
    assertThat(table.acquire(DerivedOps.Entry.of(mixedAgain), "p")).isSameAs(m);
    assertThat(table.acquire(DerivedOps.Entry.of(mixedOther), "p")).isNotSameAs(m).isNotSameAs(a);
    assertThat(table.size()).isEqualTo(3);
    assertThat(a.holders).isEqualTo(2);
    assertThat(m.holders).isEqualTo(2);
  }

  @Test
  void shapesOfManySubjectsSpreadOverTheTable() {
    ShapeTable table = new ShapeTable();
    int users = 10_000;
    for (int u = 0; u < users; u++) {
      String subject = CounterKeys.subjectOf(dev.quota.Subject.of("user", "u" + u));
      RateOp rate = new RateOp(CounterKeys.rate(subject, LIMIT), true, "r", LIMIT, 1);
      table.acquire(DerivedOps.Entry.of(List.of(rate, budget(CounterKeys.budget(subject, "USD", "daily", 0), 30))), null);
    }
    assertThat(table.size()).isEqualTo(users);
    // Random hashing puts at most about 7 of 10,000 shapes in one of 16,384 buckets; the unmixed
    // hash of these ops put up to 26 there.
    assertThat(table.longestChain()).isLessThanOrEqualTo(10);
  }

  private static BudgetOp budget(CounterKey key, long amount) {
    return new BudgetOp(key, true, "b", 100, amount, 0, 1_000, LEVELS);
  }
}
