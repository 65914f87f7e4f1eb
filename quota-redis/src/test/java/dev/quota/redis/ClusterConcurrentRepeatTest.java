package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Subject;
import dev.quota.plan.BudgetOp;
import dev.quota.plan.CounterKeys;
import dev.quota.plan.CounterOp;
import dev.quota.plan.Plan;
import dev.quota.plan.PlanResult;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * On Redis Cluster a decision with an idempotency key first claims the key. A repeat that finds the
 * claim held (the first attempt, on this server or another, is still applying its slots) waits for
 * the first to finish rather than answer "unavailable": under a fail-open policy the engine would
 * take that answer as an outage, admit the repeat as failed open and charge its usage a second
 * time, as owed to the store.
 */
class ClusterConcurrentRepeatTest {
  private static PrivateClusterStore cluster;
  private static RedisStore store;
  private static RedisClusterClient client;
  private static StatefulRedisClusterConnection<String, String> connection;
  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final ExecutorService pool = Executors.newSingleThreadExecutor();

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = new PrivateClusterStore("test:repeat:", Duration.ofSeconds(5));
    store = cluster.store;
    client = RedisClusterClient.create("redis://127.0.0.1:" + cluster.cluster.ports.get(0));
    connection = client.connect();
  }

  @AfterAll
  static void stopCluster() throws Exception {
    try {
      if (connection != null) {
        connection.close();
        client.shutdown();
      }
    } finally {
      if (cluster != null) {
        cluster.close();
      }
    }
  }

  /** FCALLs the node holding {@code key} has run. */
  private static long functionCalls(String key) {
    RedisClusterNode node = connection.getPartitions().getMasterBySlot(RedisKeys.slot(key));
    String stats = connection.getConnection(node.getUri().getHost(), node.getUri().getPort()).sync().info("commandstats");
    for (String line : stats.split("\r?\n")) {
      if (line.startsWith("cmdstat_fcall:")) {
        return Long.parseLong(line.substring(line.indexOf("calls=") + 6, line.indexOf(',')));
      }
    }
    return 0;
  }

  @Test
  void aRepeatThatFindsTheKeyClaimedWaitsAndAppliesOnceTheClaimIsDropped() throws Exception {
    long now = store.nowMs();
    long start = now - 60_000;
    String subject = CounterKeys.subjectOf(Subject.of("user", "ann-" + run));
    BudgetOp charge = new BudgetOp(CounterKeys.budget(subject, "USD", "day", start), true, "b", 1000, 7, start,
        now + 3_600_000, new long[0]);
    String key = "usage-" + run;
    Plan usage = new Plan(Plan.Kind.RECORD, List.<CounterOp>of(charge), null, 0, key, "fp", null, false);
    ClusterCodec codec = new ClusterCodec(store.keys());
    String keyName = store.keys().idempotency(key);
    // the first attempt, elsewhere, holds the key while it applies its slots
    store.run(codec.idemClaim(key, "fp", 30_000, 0));
    long callsBefore = functionCalls(keyName);

    Future<PlanResult> repeat = pool.submit(() -> store.apply(usage));
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (functionCalls(keyName) == callsBefore && System.nanoTime() < giveUp) {
      Thread.onSpinWait(); // until the repeat has found the key claimed
    }
    // the first attempt fails before any slot counted, and drops its claim
    store.run(codec.idemFinish(key, "fp", "", 0));

    PlanResult r = repeat.get(10, TimeUnit.SECONDS);
    assertThat(r.status()).isEqualTo(PlanResult.Status.APPLIED);
    assertThat(r.admitted()).isTrue();
    BudgetOp read = new BudgetOp(charge.key(), true, "b", 1000, 0, start, charge.periodEndMs(), new long[0]);
    assertThat(store.apply(new Plan(Plan.Kind.CHECK, List.<CounterOp>of(read), null, 0, null, "fp", null, false))
        .results().get(0).used()).isEqualTo(7);
    pool.shutdown();
  }
}
