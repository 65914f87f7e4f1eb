package dev.quota.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.plan.ConcurrencyOp;
import dev.quota.plan.CounterKeys;
import dev.quota.plan.CounterOp;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A plan's lock set is the distinct stripes of its keys, ascending, whether shared or built. */
class MemoryStoreStripesTest {
  @Test
  void aPlansStripesAreTheDistinctStripesOfItsKeys() {
    Random rnd = new Random(7);
    for (int round = 0; round < 2_000; round++) {
      List<CounterOp> ops = new ArrayList<>();
      List<Object> keys = new ArrayList<>();
      int subjects = 1 + rnd.nextInt(3);
      for (int i = 0; i < 1 + rnd.nextInt(4); i++) {
        String subject = CounterKeys.subjectOf(dev.quota.Subject.of("user", "u" + rnd.nextInt(subjects) + "-" + round));
        ConcurrencyOp op = new ConcurrencyOp(CounterKeys.named(subject, "c" + i), true, "c", 1);
        ops.add(op);
        keys.add(op.key());
      }
      String idempotencyKey = rnd.nextBoolean() ? null : "key-" + rnd.nextInt(50);
      if (idempotencyKey != null) {
        keys.add(idempotencyKey);
      }
      assertThat(MemoryStore.stripesOf(ops, idempotencyKey)).isEqualTo(StripeLocks.stripesOf(keys.toArray()));
    }
  }

  @Test
  void aPlanOverOneSubjectSharesItsOneStripeSet() {
    String subject = CounterKeys.subjectOf(dev.quota.Subject.of("user", "alice"));
    List<CounterOp> ops =
        List.of(
            new ConcurrencyOp(CounterKeys.named(subject, "a"), true, "c", 1),
            new ConcurrencyOp(CounterKeys.named(subject, "b"), true, "c", 1));
    assertThat(MemoryStore.stripesOf(ops, null)).isSameAs(MemoryStore.stripesOf(List.copyOf(ops), null));
  }
}
