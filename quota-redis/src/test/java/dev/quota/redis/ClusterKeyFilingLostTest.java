package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.StoreUnavailableException;
import dev.quota.Subject;
import dev.quota.plan.BudgetOp;
import dev.quota.plan.CounterKeys;
import dev.quota.plan.CounterOp;
import dev.quota.plan.Plan;
import dev.quota.plan.PlanResult;
import dev.quota.plan.SettleResult;
import dev.quota.plan.Settlement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * On Redis Cluster a decision with an idempotency key claims the key in its own slot, applies its
 * groups, and then files its answer under the key. If filing fails (the key's node went down right
 * after the groups applied, say), the decision has still applied: the caller must hear so. Told
 * "unavailable, nothing changed", it would retry, and once the lost claim no longer stood in the way
 * the retry would count the usage a second time, beyond what the ledger (written once, by the
 * retry) holds.
 */
class ClusterKeyFilingLostTest {
  private static PrivateClusterStore cluster;
  private static RedisStore store;
  private final String run = UUID.randomUUID().toString().substring(0, 8);

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = new PrivateClusterStore("test:key-filing:", Duration.ofSeconds(2));
    store = cluster.store;
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** The store's own steps, except that filing an answer under a key fails before it reaches Redis, as on a node just lost. */
  private static final class FilingLost implements ClusterProtocol.Calls {
    final ClusterProtocol.Calls redis = store.clusterCalls();
    final AtomicInteger lost = new AtomicInteger();

    @Override
    public List<Object> run(ScriptCodec.Call call) {
      if ("idem_finish".equals(call.args()[0])) {
        lost.incrementAndGet();
        throw new StoreUnavailableException("Redis is unavailable: connection reset", null);
      }
      return redis.run(call);
    }

    @Override
    public List<Object> runInTime(ScriptCodec.Call call, long offsetMs) {
      return redis.runInTime(call, offsetMs);
    }
  }

  private final FilingLost calls = new FilingLost();
  private final ClusterProtocol protocol = new ClusterProtocol(store.keys(), calls, () -> 0L, 0);

  private BudgetOp budget(long amount) {
    long now = store.nowMs();
    long start = now - 60_000;
    String subject = CounterKeys.subjectOf(Subject.of("user", "ann-" + run));
    return new BudgetOp(CounterKeys.budget(subject, "USD", "day", start), true, "b", 1000, amount, start,
        now + 3_600_000, new long[0]);
  }

  private long used(BudgetOp op) {
    BudgetOp read = new BudgetOp(op.key(), true, "b", op.limitNanos(), 0, op.periodStartMs(), op.periodEndMs(), new long[0]);
    Plan check = new Plan(Plan.Kind.CHECK, List.<CounterOp>of(read), null, 0, null, "fp", null, false);
    return store.apply(check).results().get(0).used();
  }

  @Test
  void usageWhoseAnswerCouldNotBeFiledUnderItsKeyIsReportedAsCounted() {
    BudgetOp op = budget(7);
    Plan usage = new Plan(Plan.Kind.RECORD, List.<CounterOp>of(op), null, 0, "usage-" + run, "fp", null, false);

    PlanResult r = protocol.apply(usage);

    assertThat(calls.lost).hasValue(1);
    assertThat(r.status()).isEqualTo(PlanResult.Status.APPLIED);
    assertThat(r.admitted()).isTrue();
    assertThat(used(op)).isEqualTo(7);
  }

  @Test
  void aReservationWhoseAnswerCouldNotBeFiledUnderItsKeyIsHeldAndCanBeSettled() {
    BudgetOp op = budget(40);
    String id = "res-" + run;
    Plan reserve = new Plan(Plan.Kind.RESERVE, List.<CounterOp>of(op), id, 30_000, "call-" + run, "fp", "payload", false);

    PlanResult r = protocol.apply(reserve);

    assertThat(calls.lost).hasValue(1);
    assertThat(r.admitted()).isTrue();
    assertThat(r.reservationId()).isEqualTo(id);
    assertThat(used(op)).isEqualTo(40);
    assertThat(store.settle(Settlement.commit(id, 25, Map.of())).status()).isEqualTo(SettleResult.Status.SETTLED);
    assertThat(used(op)).isEqualTo(25);
  }
}
