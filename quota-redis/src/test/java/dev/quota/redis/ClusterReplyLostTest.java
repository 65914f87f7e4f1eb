package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.StoreUnavailableException;
import dev.quota.Subject;
import dev.quota.plan.BudgetOp;
import dev.quota.plan.ConcurrencyOp;
import dev.quota.plan.CounterKeys;
import dev.quota.plan.CounterOp;
import dev.quota.plan.OpResult;
import dev.quota.plan.Plan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * On Redis Cluster a reservation spread over several slots applies one slot after another. When a
 * slot's call ran but its reply was lost (its node dropped the connection, the reply came after the
 * timeout), the caller is told the store was unavailable and nothing changed: so that slot must be
 * taken back too, not only the slots whose replies arrived. Otherwise its budget hold and its
 * concurrency slot stay taken until the reservation would have expired, for a call that never ran.
 */
class ClusterReplyLostTest {
  private static PrivateClusterStore cluster;
  private static RedisStore store;
  private final String run = UUID.randomUUID().toString().substring(0, 8);

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = new PrivateClusterStore("test:reply-lost:", Duration.ofSeconds(2));
    store = cluster.store;
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** The store's own steps, except that the reply of the reservation's slot call number {@code lostAt} (from 1) is lost after it ran. */
  private static final class ReplyLost implements ClusterProtocol.Calls {
    final ClusterProtocol.Calls redis = store.clusterCalls();
    final int lostAt;
    final AtomicInteger groups = new AtomicInteger();

    final String step;

    ReplyLost(int lostAt) {
      this(lostAt, "group");
    }

    ReplyLost(int lostAt, String step) {
      this.lostAt = lostAt;
      this.step = step;
    }

    @Override
    public List<Object> run(ScriptCodec.Call call) {
      return redis.run(call);
    }

    @Override
    public List<Object> runInTime(ScriptCodec.Call call, long offsetMs) {
      List<Object> reply = redis.runInTime(call, offsetMs);
      if (step.equals(call.args()[0]) && groups.incrementAndGet() == lostAt) {
        throw new StoreUnavailableException("Redis is unavailable: connection reset", null);
      }
      return reply;
    }
  }

  /** Subjects whose counters lie in distinct slots. */
  private List<String> subjectsInDistinctSlots(int n) {
    List<String> found = new ArrayList<>();
    List<Integer> slots = new ArrayList<>();
    for (int i = 0; found.size() < n; i++) {
      String s = CounterKeys.subjectOf(Subject.of("user", "u" + i + "-" + run));
      int slot = RedisKeys.slot(store.keys().counter(CounterKeys.concurrency(s)));
      if (!slots.contains(slot)) {
        found.add(s);
        slots.add(slot);
      }
    }
    return found;
  }

  /** One budget period for the whole test, around Redis's time now. */
  private final long now = store.nowMs();
  private final long start = now - 60_000;

  private List<CounterOp> ops(List<String> subjects, long amount) {
    List<CounterOp> ops = new ArrayList<>();
    for (String s : subjects) {
      ops.add(new BudgetOp(CounterKeys.budget(s, "USD", "day", start), true, "b", 1000, amount, start, now + 3_600_000,
          new long[0]));
      ops.add(new ConcurrencyOp(CounterKeys.concurrency(s), true, "c", 1));
    }
    return ops;
  }

  private List<Long> used(List<String> subjects) {
    Plan check = new Plan(Plan.Kind.CHECK, ops(subjects, 0), null, 0, null, "fp", null, false);
    return store.apply(check).results().stream().map(OpResult::used).toList();
  }

  @Test
  void aSlotWhoseReplyWasLostIsTakenBackWithTheSlotsBefore() {
    List<String> subjects = subjectsInDistinctSlots(3);
    for (int lostAt = 1; lostAt <= 3; lostAt++) {
      ClusterProtocol protocol = new ClusterProtocol(store.keys(), new ReplyLost(lostAt), () -> 0L, 0);
      Plan reserve = new Plan(Plan.Kind.RESERVE, ops(subjects, 40), "res-" + lostAt + "-" + run, 30_000, null, "fp",
          "payload", false);

      assertThatThrownBy(() -> protocol.apply(reserve)).isInstanceOf(StoreUnavailableException.class);

      assertThat(used(subjects)).as("reply of slot call %d lost", lostAt).containsOnly(0L);
    }
    // every slot's one concurrency slot is free: a reservation of all of them is admitted
    Plan again = new Plan(Plan.Kind.RESERVE, ops(subjects, 40), "res-again-" + run, 30_000, null, "fp", "payload", false);
    assertThat(store.apply(again).admitted()).isTrue();
  }

  @Test
  void aCommitWhosePartsReplyWasLostIsChargedOnceByItsRetry() {
    List<String> subjects = subjectsInDistinctSlots(3);
    // the reply of the first, second or third part's settlement lost, then that of the claim
    for (int lostAt = 1; lostAt <= 4; lostAt++) {
      String id = "res-settle-" + lostAt + "-" + run;
      ReplyLost calls = lostAt == 4 ? new ReplyLost(1, "claim") : new ReplyLost(lostAt, "settle");
      ClusterProtocol protocol = new ClusterProtocol(store.keys(), calls, () -> 0L, 0);
      assertThat(store.apply(new Plan(Plan.Kind.RESERVE, ops(subjects, 40), id, 30_000, null, "fp", "payload", false))
          .admitted()).isTrue();

      assertThatThrownBy(() -> protocol.settle(dev.quota.plan.Settlement.commit(id, 25, java.util.Map.of())))
          .isInstanceOf(StoreUnavailableException.class);
      dev.quota.plan.SettleResult retry = store.settle(dev.quota.plan.Settlement.commit(id, 25, java.util.Map.of()));

      assertThat(retry.status()).isEqualTo(dev.quota.plan.SettleResult.Status.REPEATED);
      assertThat(retry.payload()).as("the engine ledgers a repeat it is given the payload of").isEqualTo("payload");
      assertThat(used(subjects)).as("reply lost at %d", lostAt).containsExactly(25L * lostAt, 0L, 25L * lostAt, 0L, 25L * lostAt, 0L);
    }
  }
}
