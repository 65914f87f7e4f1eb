package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.quota.StoreUnavailableException;
import dev.quota.Subject;
import dev.quota.plan.BudgetOp;
import dev.quota.plan.CounterKeys;
import dev.quota.plan.CounterOp;
import dev.quota.plan.Plan;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/**
 * A connection drops after Redis ran a call but before its reply reached the client. Recorded
 * usage keeps no record to recognise a repeat by, so a call the client re-sent on its own once it
 * reconnected would count twice while the caller (and the engine's ledger) see it once. The call
 * must instead fail as unavailable, having run exactly once, and later calls must go through: on a
 * single node and on each node of a Redis Cluster alike.
 */
class ClusterCallsSentAtMostOnceTest {
  private final String run = UUID.randomUUID().toString().substring(0, 8);

  @Test
  void aSingleNodeCallWhoseReplyWasLostIsNotSentAgain() throws Exception {
    try (ReplyDroppingProxy proxy = new ReplyDroppingProxy(6379);
        RedisStore store = RedisStore.builder().uri("redis://127.0.0.1:" + proxy.port()).prefix("test:at-most-once:" + run + ":")
            .timeout(Duration.ofSeconds(2)).connectTimeout(Duration.ofSeconds(2)).build()) {
      try {
        assertRecordedOnceThenAvailable(store, proxy, "u-" + run);
      } finally {
        store.deleteAll();
      }
    }
  }

  @Test
  void aClusterCallWhoseReplyWasLostIsNotSentAgain() throws Exception {
    try (RedisClusterProcess cluster = new RedisClusterProcess()) {
      // the client learns node addresses from the cluster itself: the third node (not a seed) names the proxy as its own
      int node = cluster.ports.get(2);
      try (ReplyDroppingProxy proxy = new ReplyDroppingProxy(node)) {
        cluster.cli(node, "CONFIG", "SET", "cluster-announce-port", "" + proxy.port());
        for (int port : cluster.ports) {
          awaitNodes(cluster, port, "127.0.0.1:" + proxy.port() + "@");
        }
        try (RedisStore store = RedisStore.builder().uri(cluster.uri()).prefix("test:at-most-once:")
            .timeout(Duration.ofSeconds(2)).connectTimeout(Duration.ofSeconds(2)).build()) {
          assertRecordedOnceThenAvailable(store, proxy, subjectServedBy(store, slotsOf(cluster, node)));
        }
      }
    }
  }

  /** Records 40 for the subject with the reply dropped, then 2 once the store is reachable again. */
  private void assertRecordedOnceThenAvailable(RedisStore store, ReplyDroppingProxy proxy, String id) {
    String subject = CounterKeys.subjectOf(Subject.of("user", id));
    long now = store.nowMs();
    assertThat(used(store, subject, now)).isZero(); // the subject's node connected through the proxy, its clock known

    proxy.dropNextFcallReply();
    Throwable failure = catchThrowable(() -> store.apply(plan(Plan.Kind.RECORD, subject, now, 40)));
    assertThat(proxy.dropped()).as("the reply was lost after Redis ran the call").isEqualTo(1);

    assertThat(untilAvailable(() -> used(store, subject, now))).as("the call ran once, never again").isEqualTo(40);
    assertThat(failure).as("the caller is told it may not have applied").isInstanceOf(StoreUnavailableException.class);
    store.apply(plan(Plan.Kind.RECORD, subject, now, 2));
    assertThat(used(store, subject, now)).isEqualTo(42);
  }

  private static Plan plan(Plan.Kind kind, String subject, long now, long amount) {
    long start = now - 60_000;
    List<CounterOp> ops = List.of(new BudgetOp(CounterKeys.budget(subject, "USD", "day", start), true, "b", 1000,
        amount, start, now + 3_600_000, new long[0]));
    return new Plan(kind, ops, null, 0, null, "fp", null, false);
  }

  private static long used(RedisStore store, String subject, long now) {
    return store.apply(plan(Plan.Kind.CHECK, subject, now, 0)).results().get(0).used();
  }

  /**
   * The value once the store answers again: a lost connection is opened again (on a cluster, by
   * the client in the background), and until then a call fails as unavailable, changing nothing.
   */
  private static long untilAvailable(LongSupplier call) {
    long giveUp = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      try {
        return call.getAsLong();
      } catch (StoreUnavailableException notYet) {
        if (System.nanoTime() > giveUp) {
          throw notYet;
        }
      }
    }
  }

  /** A user whose counters lie in one of {@code slots}. */
  private String subjectServedBy(RedisStore store, List<int[]> slots) {
    for (int i = 0; ; i++) {
      String id = "u" + i + "-" + run;
      int slot = RedisKeys.slot(store.keys().counter(CounterKeys.concurrency(CounterKeys.subjectOf(Subject.of("user", id)))));
      if (slots.stream().anyMatch(r -> r[0] <= slot && slot <= r[1])) {
        return id;
      }
    }
  }

  /** The slot ranges a node serves, from its own line of CLUSTER NODES. */
  private static List<int[]> slotsOf(RedisClusterProcess cluster, int port) throws Exception {
    String myself = cluster.cli(port, "CLUSTER", "NODES").lines().filter(l -> l.contains("myself")).findFirst().orElseThrow();
    String[] fields = myself.trim().split(" ");
    return Arrays.stream(fields, 8, fields.length).filter(f -> !f.startsWith("[")).map(f -> {
      String[] ends = f.split("-");
      return new int[] {Integer.parseInt(ends[0]), Integer.parseInt(ends[ends.length - 1])};
    }).toList();
  }

  /** Waits until a node's view of the cluster names {@code address}: gossip carries a changed port to every node. */
  private static void awaitNodes(RedisClusterProcess cluster, int port, String address) throws Exception {
    long giveUp = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    String nodes = "";
    while (System.nanoTime() < giveUp) {
      nodes = cluster.cli(port, "CLUSTER", "NODES");
      if (nodes.contains(address)) {
        return;
      }
      Thread.onSpinWait();
    }
    throw new AssertionError("node " + port + " never named " + address + ": " + nodes);
  }
}
