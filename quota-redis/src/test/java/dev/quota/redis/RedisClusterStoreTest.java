package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.Algorithm;
import dev.quota.RateLimit;
import dev.quota.StoreUnavailableException;
import dev.quota.Subject;
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
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What the reserve-then-compensate protocol promises on a real three-master Redis Cluster. */
class RedisClusterStoreTest {
  private static final RateLimit PER_MINUTE = RateLimit.perWindow(1000, Duration.ofMinutes(1));
  private static final RateLimit BUCKET = new RateLimit("tokens", 1000, Duration.ofMinutes(1), Algorithm.TOKEN_BUCKET);
  private static RedisClusterProcess cluster;
  private static RedisStore store;
  private static RedisClusterClient client;
  private static StatefulRedisClusterConnection<String, String> connection;
  private static final AtomicLong offsetMs = new AtomicLong();
  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private long start;
  private long end;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = new RedisClusterProcess();
    store = RedisStore.builder().uri(cluster.uri()).prefix("test:cluster-store:").timeout(Duration.ofSeconds(2))
        .testClockOffset(offsetMs::get).build();
    client = RedisClusterClient.create("redis://127.0.0.1:" + cluster.ports.get(0));
    connection = client.connect();
  }

  @AfterAll
  static void stopCluster() throws Exception {
    try {
      if (connection != null) {
        connection.close();
        client.shutdown();
      }
      if (store != null) {
        store.close();
      }
    } finally {
      if (cluster != null) {
        cluster.close();
      }
    }
  }

  /** Subjects whose counters lie in distinct slots, in ascending slot order: the protocol's order. */
  private List<String> subjectsInAscendingSlots(int n) {
    List<String> found = new ArrayList<>();
    List<Integer> slots = new ArrayList<>();
    for (int i = 0; found.size() < n; i++) {
      String s = CounterKeys.subjectOf(Subject.of("user", "u" + i + "-" + run));
      int slot = slotOf(s);
      if (!slots.contains(slot)) {
        found.add(s);
        slots.add(slot);
      }
    }
    found.sort((a, b) -> Integer.compare(slotOf(a), slotOf(b)));
    return found;
  }

  private int slotOf(String subject) {
    return RedisKeys.slot(store.keys().counter(CounterKeys.concurrency(subject)));
  }

  private void period() {
    long now = store.nowMs();
    start = now - 60_000;
    end = now + 3_600_000;
  }

  private BudgetOp budget(String s, long limit, long amount) {
    return new BudgetOp(CounterKeys.budget(s, "USD", "day", start), true, "b", limit, amount, start, end, new long[0]);
  }

  private static RateOp window(String s) {
    return new RateOp(CounterKeys.rate(s, PER_MINUTE), true, "w", PER_MINUTE, 1);
  }

  private static RateOp bucket(String s) {
    return new RateOp(CounterKeys.rate(s, BUCKET), true, "t", BUCKET, 5);
  }

  private static ConcurrencyOp slots(String s) {
    return new ConcurrencyOp(CounterKeys.concurrency(s), true, "c", 10);
  }

  private static Plan reserve(String id, CounterOp... ops) {
    return new Plan(Plan.Kind.RESERVE, List.of(ops), id, 30_000, null, "fp", "payload-" + id, false);
  }

  private List<OpResult> check(CounterOp... ops) {
    return store.apply(new Plan(Plan.Kind.CHECK, List.of(ops), null, 0, null, "fp", null, false)).results();
  }

  @Test
  void aDecisionDeniedByItsLastSlotLeavesNoResidueInTheSlotsBefore() {
    period();
    List<String> s = subjectsInAscendingSlots(3);
    String first = s.get(0);
    String middle = s.get(1);
    String last = s.get(2);
    store.apply(new Plan(Plan.Kind.RECORD, List.of(budget(last, 100, 95)), null, 0, null, "fp", null, false));

    String id = "res-" + run;
    PlanResult r = store.apply(reserve(id, window(first), bucket(first), budget(first, 1000, 50), slots(first),
        window(middle), budget(middle, 1000, 50), budget(last, 100, 10)));

    assertThat(r.admitted()).isFalse();
    assertThat(r.expiresAtMs()).isZero();
    assertThat(r.results().get(6).allowed()).isFalse();
    // the denial reports the counters as they are after compensation
    assertThat(r.results().subList(0, 6)).extracting(OpResult::used).containsExactly(0L, 0L, 0L, 0L, 0L, 0L);
    assertThat(check(window(first), bucket(first), budget(first, 1000, 0), slots(first), window(middle),
        budget(middle, 1000, 0), budget(last, 100, 0)))
        .extracting(OpResult::used).containsExactly(0L, 0L, 0L, 0L, 0L, 0L, 95L);

    RedisAdvancedClusterCommands<String, String> redis = connection.sync();
    int firstSlot = slotOf(first);
    // the part records became tombstones and left the expiry index
    assertThat(redis.type(store.keys().reservation(firstSlot, id))).isEqualTo("string");
    assertThat(redis.zcard(store.keys().expiries(firstSlot))).isZero();
    assertThat(redis.exists(store.keys().reservation(id))).as("home record").isZero();
    assertThat(redis.exists(store.keys().counter(window(first)))).isZero();
    assertThat(redis.exists(store.keys().counter(slots(first).key()))).isZero();

    // compensating again (a retried step) takes nothing back twice
    ClusterCodec codec = new ClusterCodec(store.keys());
    assertThat(store.run(codec.compensate(firstSlot, id, 60_000, 0))).containsExactly(0L);
    // a part that arrives after its compensation (a late, timed-out call) is refused
    assertThatThrownBy(() -> store.apply(reserve(id, budget(first, 1000, 50))))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("withdrawn");
    assertThat(check(budget(first, 1000, 0)).get(0).used()).isZero();
  }

  /**
   * Recorded usage keeps no record to take its parts back by: a later slot whose budget must be
   * rebuilt first (or caught up, or whose node's clock left the period) answers before any slot
   * counts, so the retry after the rebuild counts the first slot once.
   */
  @Test
  void usageRecordedAcrossSlotsWhoseLaterBudgetMustBeRebuiltCountsNothingUntilItIs() {
    period();
    List<String> s = subjectsInAscendingSlots(2);
    String first = s.get(0);
    String last = s.get(1);
    // A budget taken up after its period began: its missing counter must be rebuilt from the ledger.
    BudgetOp lost = new BudgetOp(
        CounterKeys.budget(last, "USD", "day", start), true, "b", 1000, 7, start, end, new long[0], start + 1);
    Plan usage = new Plan(Plan.Kind.RECORD, List.of(window(first), lost), null, 0, null, "fp", null, true);

    PlanResult r = store.apply(usage);

    assertThat(r.status()).isEqualTo(PlanResult.Status.NEEDS_SEED);
    assertThat(r.seedIndices()).containsExactly(1);
    assertThat(check(window(first)).get(0).used()).as("the first slot counted nothing").isZero();

    store.seed(lost.key(), 3, end, 0);
    assertThat(store.apply(usage).status()).isEqualTo(PlanResult.Status.APPLIED);
    assertThat(check(window(first), budget(last, 1000, 0))).extracting(OpResult::used).containsExactly(1L, 10L);
  }

  @Test
  void asyncReservationsAcrossSlotsMadeFromOneThreadAdmitExactlyTheBudget() throws Exception {
    period();
    List<String> s = subjectsInAscendingSlots(2);
    List<java.util.concurrent.CompletableFuture<PlanResult>> stages = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      stages.add(store.applyAsync(reserve("res-async-" + i + "-" + run, budget(s.get(0), 100, 10), slots(s.get(0)),
          budget(s.get(1), 1000, 10))));
    }

    int admitted = 0;
    for (java.util.concurrent.CompletableFuture<PlanResult> stage : stages) {
      admitted += stage.get(30, TimeUnit.SECONDS).admitted() ? 1 : 0;
    }
    assertThat(admitted).isEqualTo(10);
    // the denied ones were compensated in the later slot, to the unit
    assertThat(check(budget(s.get(0), 100, 0), slots(s.get(0)), budget(s.get(1), 1000, 0)).stream().map(OpResult::used))
        .containsExactly(100L, 10L, 100L);
  }

  @Test
  void partsOfAReservationWhoseProcessDiedExpireByThemselves() {
    period();
    List<String> s = subjectsInAscendingSlots(2);
    String id = "res-died-" + run;
    Plan plan = reserve(id, budget(s.get(0), 1000, 300), slots(s.get(0)), budget(s.get(1), 1000, 300));
    // only the first step ran: the part is held, and no home record names it
    ClusterCodec codec = new ClusterCodec(store.keys());
    store.run(codec.group(slotOf(s.get(0)), plan, plan.ops().subList(0, 2), 0, 300, offsetMs.get()));
    assertThat(check(budget(s.get(0), 1000, 0), slots(s.get(0))).stream().map(OpResult::used)).containsExactly(300L, 1L);
    assertThat(store.settle(Settlement.release(id)).status()).isEqualTo(SettleResult.Status.UNKNOWN);

    offsetMs.addAndGet(31_000);
    assertThat(check(budget(s.get(0), 1000, 0), slots(s.get(0))).stream().map(OpResult::used)).containsExactly(0L, 0L);
  }

  @Test
  void concurrentDecisionsAcrossSlotsNeverExceedTheLimitAndSettleExactlyOnce() throws Exception {
    period();
    List<String> s = subjectsInAscendingSlots(3);
    String user = s.get(0);
    String team = s.get(1);
    String project = s.get(2);
    RateLimit projectLimit = RateLimit.perWindow(100, Duration.ofMinutes(1));
    RateOp projectRate = new RateOp(CounterKeys.rate(project, projectLimit), true, "p", projectLimit, 1);
    ConcurrentLinkedQueue<String> admitted = new ConcurrentLinkedQueue<>();
    race(8, 50, () -> {
      String id = "res-" + UUID.randomUUID();
      // the last slot denies most of these, after the first two slots have consumed tentatively
      PlanResult r = store.apply(reserve(id, window(user), budget(user, 1_000_000, 10), window(team),
          budget(team, 1_000_000, 10), projectRate));
      if (r.admitted()) {
        admitted.add(id);
      }
    });
    assertThat(admitted).hasSize(100);
    assertThat(check(window(user), budget(user, 1_000_000, 0), window(team), budget(team, 1_000_000, 0), projectRate))
        .extracting(OpResult::used).containsExactly(100L, 1000L, 100L, 1000L, 100L);

    List<String> ids = new ArrayList<>(admitted);
    AtomicLong settled = new AtomicLong();
    race(4, 1, () -> {
      for (String id : ids) {
        if (store.settle(Settlement.commit(id, 3, Map.of())).status() == SettleResult.Status.SETTLED) {
          settled.incrementAndGet();
        }
      }
    });
    assertThat(settled.get()).isEqualTo(100);
    assertThat(check(budget(user, 1_000_000, 0), budget(team, 1_000_000, 0)))
        .extracting(OpResult::used).containsExactly(300L, 300L);
    SettleResult again = store.settle(Settlement.commit(ids.get(0), 3, Map.of()));
    assertThat(again.status()).isEqualTo(SettleResult.Status.REPEATED);
    assertThat(again.payload()).isEqualTo("payload-" + ids.get(0));
    assertThat(again.budgets()).hasSize(2);
  }

  @Test
  void aOneSlotRecordIsOneScriptAndASpanningReservationOneScriptPerSlotPlusItsHome() {
    period();
    List<String> s = subjectsInAscendingSlots(3);
    long before = scriptRuns();
    store.apply(new Plan(Plan.Kind.RECORD, List.of(window(s.get(0)), budget(s.get(0), 1000, 1)), null, 0, null, "fp",
        null, false));
    assertThat(scriptRuns() - before).isEqualTo(1);

    String id = "res-count-" + run;
    before = scriptRuns();
    assertThat(store.apply(reserve(id, window(s.get(0)), window(s.get(1)), budget(s.get(2), 1000, 1))).admitted()).isTrue();
    assertThat(scriptRuns() - before).isEqualTo(4);

    before = scriptRuns();
    assertThat(store.settle(Settlement.commit(id, 1, Map.of())).status()).isEqualTo(SettleResult.Status.SETTLED);
    assertThat(scriptRuns() - before).as("claim, then one settlement per part").isEqualTo(4);
  }

  /**
   * A new store's first decision on a node whose writes are held: the node's time, asked before the
   * store's first call there, is no write and is answered; the decision, which the node runs only
   * after the store gave up on it, changes nothing.
   */
  @Test
  void aStoresFirstDecisionThatItsNodeRunsAfterTheStoreGaveUpChangesNothing() {
    period();
    String user = subjectsInAscendingSlots(1).get(0);
    RedisCommands<String, String> node = nodeOf(user);
    try (RedisStore fresh = impatientStore()) {
      pauseWrites(node, 1_000);
      assertThatThrownBy(() -> fresh.apply(record(window(user), budget(user, 1000, 7))))
          .isInstanceOf(StoreUnavailableException.class);
      String probe = "test:probe{" + user + "}";
      node.set(probe, "1"); // a write: answered once the pause is over, after the held decision ran
      node.del(probe);
    }
    assertThat(check(window(user), budget(user, 1000, 0))).extracting(OpResult::used).containsExactly(0L, 0L);
  }

  /**
   * A reservation over two slots whose second node stalls: the first part is taken back, and the
   * second, which its node runs only after the store gave up, never lands.
   */
  @Test
  void aReservationWhoseLaterNodeStallsLeavesNothingOnEitherNode() {
    period();
    List<String> s = subjectsOnTwoNodes();
    String id = "res-stalled-" + run;
    try (RedisStore impatient = impatientStore()) {
      assertThat(impatient.apply(record(budget(s.get(0), 1000, 0), budget(s.get(1), 1000, 0))).admitted()).isTrue();
      whileNodeStalls(s.get(1), () -> assertThatThrownBy(() -> impatient.apply(reserve(id, budget(s.get(0), 1000, 50),
          slots(s.get(0)), budget(s.get(1), 1000, 50), slots(s.get(1))))).isInstanceOf(StoreUnavailableException.class));
    }
    assertThat(check(budget(s.get(0), 1000, 0), slots(s.get(0)), budget(s.get(1), 1000, 0), slots(s.get(1))))
        .extracting(OpResult::used).containsExactly(0L, 0L, 0L, 0L);
    RedisAdvancedClusterCommands<String, String> redis = connection.sync();
    assertThat(redis.zcard(store.keys().expiries(slotOf(s.get(1))))).as("no part filed on the stalled node").isZero();
    // at most the tombstone of the stalled part's compensation (its call may have run), never a part
    assertThat(redis.type(store.keys().reservation(slotOf(s.get(1)), id))).isIn("none", "string");
  }

  /**
   * A commit claimed (on the home record's node) before its reservation expires, whose part's call
   * runs only after the expiry (the part's node stalled in between), is charged as committed: the
   * part once judged the expiry by its own call's time, returned the hold as expired and charged
   * nothing, while the commit was answered as settled.
   */
  @Test
  void aCommitClaimedBeforeTheExpiryIsChargedThoughItsPartRunsAfterIt() {
    period();
    String user = subjectsInAscendingSlots(1).get(0);
    String userNode = masterOf(user).getNodeId();
    String id = null;
    for (int i = 0; id == null; i++) {
      String candidate = "res-claimed-" + i + "-" + run;
      int home = RedisKeys.slot(store.keys().reservation(candidate));
      if (!connection.getPartitions().getMasterBySlot(home).getNodeId().equals(userNode)) {
        id = candidate;
      }
    }
    try (RedisStore patient = RedisStore.builder().uri(cluster.uri()).prefix("test:cluster-store:")
        .timeout(Duration.ofSeconds(5)).testClockOffset(offsetMs::get).build()) {
      Plan plan = new Plan(Plan.Kind.RESERVE, List.of(budget(user, 1000, 50)), id, 1_500, null, "fp", "p", false);
      assertThat(patient.apply(plan).admitted()).isTrue();
      RedisCommands<String, String> node = nodeOf(user);
      node.clientPause(3_000); // past the expiry
      SettleResult committed = patient.settle(Settlement.commit(id, 80, Map.of()));
      assertThat(committed.status()).isEqualTo(SettleResult.Status.SETTLED);
      assertThat(committed.budgets()).extracting(SettleResult.BudgetChange::usedNanos).containsExactly(80L);
      assertThat(node.ping()).isEqualTo("PONG");
    }
    assertThat(check(budget(user, 1000, 0))).extracting(OpResult::used).containsExactly(80L);
  }

  /**
   * A commit claimed before its reservation expires is charged though, between the claim and the
   * part's settlement, another decision on the part's node ran after the expiry and released the
   * part as expired: its settlement once found an expired record and charged nothing, while the
   * commit was answered as settled. The hold and the slot go back once, by the expiry.
   */
  @Test
  void aCommitClaimedBeforeTheExpiryIsChargedThoughAnotherDecisionReleasedItsPartMeanwhile() {
    period();
    String user = subjectsInAscendingSlots(1).get(0);
    String id = "res-released-" + run;
    Plan plan = new Plan(Plan.Kind.RESERVE, List.of(budget(user, 1000, 50), slots(user)), id, 1_500, null, "fp", "p", false);
    assertThat(store.apply(plan).admitted()).isTrue();
    Settlement commit = Settlement.commit(id, 80, Map.of());
    // the settlement's first step, as ClusterProtocol takes it: the claim, before the expiry
    List<Object> claim = store.run(new ClusterCodec(store.keys()).claim(
        id, true, commit.actualCostNanos(), commit.fingerprint(), commit.actualMeters(), offsetMs.get()));
    assertThat(ScriptCodec.num(claim.get(0))).as("claimed").isZero();

    offsetMs.addAndGet(2_000);
    // another decision on the part's node, after the expiry: it returns the hold and the slot
    assertThat(check(budget(user, 1000, 0), slots(user))).extracting(OpResult::used).containsExactly(0L, 0L);
    assertThat(store.apply(reserve("res-other-" + run, slots(user))).admitted()).isTrue();

    SettleResult part = ScriptCodec.settleResult(
        store.run(new ScriptCodec(store.keys()).settle(slotOf(user), commit, offsetMs.get())));
    assertThat(part.status()).isEqualTo(SettleResult.Status.SETTLED);
    assertThat(part.budgets()).extracting(SettleResult.BudgetChange::usedNanos).containsExactly(80L);
    assertThat(check(budget(user, 1000, 0), slots(user))).as("charged once; the other reservation keeps its slot")
        .extracting(OpResult::used).containsExactly(80L, 1L);

    SettleResult retried = store.settle(commit);
    assertThat(retried.status()).isEqualTo(SettleResult.Status.REPEATED);
    assertThat(retried.budgets()).extracting(SettleResult.BudgetChange::usedNanos).containsExactly(80L);
    assertThat(check(budget(user, 1000, 0))).extracting(OpResult::used).containsExactly(80L);
  }

  @Test
  void aSeedOrAResetThatTheNodeRunsAfterTheStoreGaveUpChangesNothing() {
    period();
    String user = subjectsInAscendingSlots(1).get(0);
    BudgetOp seeded = budget(user, 1000, 0);
    store.apply(record(window(user)));
    try (RedisStore impatient = impatientStore()) {
      impatient.apply(record(budget(user, 1000, 0))); // the node's time is known: the calls below time out
      whileNodeStalls(user, () -> assertThatThrownBy(() -> impatient.seed(seeded.key(), 300, end, 0))
          .isInstanceOf(StoreUnavailableException.class));
      whileNodeStalls(user, () -> assertThatThrownBy(() -> impatient.reset(user)).isInstanceOf(StoreUnavailableException.class));
    }
    assertThat(check(window(user), seeded)).extracting(OpResult::used).containsExactly(1L, 0L);
    assertThat(connection.sync().exists(store.keys().resetMark(user))).isZero();
  }

  /** On Redis Cluster, too, a reset deletes every counter of its subject, and no one else's, in one step. */
  @Test
  void aResetDeletesEveryCounterOfItsSubjectInItsSlot() {
    period();
    List<String> s = subjectsInAscendingSlots(2);
    String user = s.get(0);
    String other = s.get(1);
    store.apply(reserve("res-reset-" + run, window(user), bucket(user), budget(user, 1000, 10), slots(user),
        window(other), budget(other, 1000, 10)));

    store.reset(user);

    assertThat(check(window(user), bucket(user), budget(user, 1000, 0), slots(user), window(other), budget(other, 1000, 0)))
        .extracting(OpResult::used).containsExactly(0L, 0L, 0L, 0L, 1L, 10L);
    RedisAdvancedClusterCommands<String, String> redis = connection.sync();
    assertThat(redis.exists(store.keys().counter(window(user)), store.keys().counter(bucket(user)),
        store.keys().counter(budget(user, 1000, 0).key()), store.keys().counter(slots(user).key()))).isZero();
  }

  private static Plan record(CounterOp... ops) {
    return new Plan(Plan.Kind.RECORD, List.of(ops), null, 0, null, "fp", null, false);
  }

  /** A store of the same prefix that waits 100 ms for each call. */
  private static RedisStore impatientStore() {
    return RedisStore.builder().uri(cluster.uri()).prefix("test:cluster-store:").timeout(Duration.ofMillis(100))
        .testClockOffset(offsetMs::get).build();
  }

  /** Two subjects, in ascending slots, whose counters live on different nodes. */
  private List<String> subjectsOnTwoNodes() {
    List<String> found = new ArrayList<>(subjectsInAscendingSlots(1));
    String firstNode = masterOf(found.get(0)).getNodeId();
    for (int i = 0; found.size() < 2; i++) {
      String s = CounterKeys.subjectOf(Subject.of("team", "t" + i + "-" + run));
      if (!masterOf(s).getNodeId().equals(firstNode)) {
        found.add(s);
      }
    }
    found.sort((a, b) -> Integer.compare(slotOf(a), slotOf(b)));
    return found;
  }

  private io.lettuce.core.cluster.models.partitions.RedisClusterNode masterOf(String subject) {
    return connection.getPartitions().getMasterBySlot(slotOf(subject));
  }

  /** A connection of the test's own to the node that serves {@code subject}'s counters. */
  private RedisCommands<String, String> nodeOf(String subject) {
    return connection.getConnection(masterOf(subject).getNodeId()).sync();
  }

  /**
   * Runs {@code call} while the node of {@code subject}'s counters holds every client's commands for
   * a second, ten times the store's timeout, and waits for the pause to end (a command of the test's
   * connection to the node is held until then).
   */
  private void whileNodeStalls(String subject, Runnable call) {
    RedisCommands<String, String> node = nodeOf(subject);
    node.clientPause(1_000);
    try {
      call.run();
    } finally {
      assertThat(node.ping()).isEqualTo("PONG");
    }
  }

  private static void pauseWrites(RedisCommands<String, String> node, long ms) {
    StringCodec utf8 = StringCodec.UTF8;
    node.dispatch(CommandType.CLIENT, new StatusOutput<>(utf8), new CommandArgs<>(utf8).add("PAUSE").add(ms).add("WRITE"));
  }

  /** FCALL, EVALSHA and EVAL calls over all nodes. */
  private static long scriptRuns() {
    long runs = 0;
    for (int port : cluster.ports) {
      String stats = connection.getConnection("127.0.0.1", port).sync().info("commandstats");
      for (String line : stats.split("\r?\n")) {
        if (line.startsWith("cmdstat_fcall:") || line.startsWith("cmdstat_evalsha:") || line.startsWith("cmdstat_eval:")) {
          runs += Long.parseLong(line.substring(line.indexOf("calls=") + 6, line.indexOf(',')));
        }
      }
    }
    return runs;
  }

  private static void race(int threads, int perThread, Runnable body) throws Exception {
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(pool.submit(() -> {
          go.await();
          for (int i = 0; i < perThread; i++) {
            body.run();
          }
          return null;
        }));
      }
      go.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
