package dev.quota.redis;

import dev.quota.StoreUnavailableException;
import dev.quota.ValidationException;
import dev.quota.plan.BudgetOp;
import dev.quota.plan.CaughtUp;
import dev.quota.plan.CounterKey;
import dev.quota.plan.Holding;
import dev.quota.plan.Plan;
import dev.quota.plan.PlanResult;
import dev.quota.plan.SettleResult;
import dev.quota.plan.Settlement;
import dev.quota.store.Store;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.async.RedisKeyAsyncCommands;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * A {@link Store} on Redis: every {@link #apply} and {@link #settle} runs inside one call of one Lua
 * function (FCALL; EVALSHA before Redis 7, see {@link QuotaScript}), so on a single Redis node a
 * decision takes at most one round trip and is atomic however many subjects and limits it touches,
 * and many application servers share exact counters. Decisions made at the same moment share calls
 * ({@link DecisionBatcher}), each still applied all or nothing on its own.
 *
 * <p><b>Design.</b> The engine compiles each request into a {@link Plan}; the script
 * ({@code quota.lua}) ports {@code MemoryStore}'s semantics line by line: the same sliding-window
 * slices, token-bucket units, budget holds, concurrency slots, reservation expiry, idempotency and
 * alert thresholds. Time is Redis's {@code TIME}, never this JVM's clock, so clock skew between
 * application servers cannot change a decision. All calls share one multiplexed connection and are
 * sent asynchronously, so concurrent decisions pipeline.
 *
 * <p><b>Keys.</b> Built only by {@link RedisKeys}: counters are {@code prefix{subject}name}, so a
 * subject's counters share a Cluster slot. Every key expires: counters a slack after their window
 * or period, reservations after their expiry (or the end of the budget period they hold on),
 * settled reservations and idempotency records after 24 hours, the epoch marker after 40 days.
 * The script registers the names of counters in use beside the epoch marker (a few: one per limit
 * and budget period, shared by every subject), so that a {@link #reset} deletes exactly a subject's
 * counters in one atomic call, without scanning the keyspace.
 *
 * <p><b>Numbers.</b> See {@link ExactRange}: values must lie in {@code [0, 2^53-1]}.
 *
 * <p><b>Failure.</b> Each call waits at most the configured timeout (default 100 ms) and then
 * throws {@link StoreUnavailableException}; so does a call while the connection is down.
 * {@link #applyAsync} waits nowhere: its stage fails the same way. The
 * engine then applies each policy's fail mode. Calls are sent at most once: a call in flight when
 * the connection drops fails rather than being re-sent, and the next call opens a new connection
 * (on Redis Cluster, the client reopens a node's connection by itself, failing calls meanwhile).
 * Every call that changes something (a decision, a settlement, a seed, a reset, and on Redis
 * Cluster each step of a decision or settlement) carries a deadline in Redis time: the moment this
 * process stops waiting for it, estimated from the {@code TIME} asked when a connection opens (on
 * Redis Cluster, before the first call to each node) and from the time of every reply since
 * ({@link RedisClockEstimate}). If Redis starts it later (it stalled past the timeout and ran the
 * queued call when it resumed), the script changes nothing, so a call that failed with
 * StoreUnavailableException changed nothing. Only the Redis Cluster steps that take back or finish
 * what earlier steps applied run whenever they arrive.
 *
 * <p><b>Lost data.</b> The script keeps an epoch marker, read (and started with Redis time when
 * missing) whenever a budget counter is missing. After a restart without persistence or a
 * FLUSHALL, the marker is new, so a missing budget counter whose period began before it answers
 * {@code NEEDS_SEED}, and the engine seeds it from the usage ledger.
 *
 * <p><b>Cost.</b> A script's commands are most of a decision's cost on Redis, so the script runs
 * only those that can matter: it scans for expired reservations only when the plan has budget
 * holds or concurrency slots (the only things an expiry returns), indexes a reservation for expiry
 * only when it has them, writes a reservation record with one SET, and moves a counter's TTL only
 * when it must (a window when it opens a slice, a budget when it is created). A plan of sliding
 * windows that all have room and drop no slice (the common decision) takes a short path that
 * reads and writes each window's one field with no other work. Decisions made at the same time
 * share calls ({@link Builder#batching}).
 *
 * <p><b>Redis Cluster.</b> Given a {@code redis-cluster://host:port,...} URI, the store uses
 * Lettuce's cluster client. A check or record whose counters share one slot is still one script;
 * other plans follow the reserve-then-compensate protocol described in {@link ClusterProtocol}.
 * Lettuce's cluster client reconnects by itself and may re-send a call that was in flight when a
 * connection dropped; a re-sent reservation part is recognised by its reservation id and not
 * applied twice, but a re-sent record plan may count its usage twice (unless it arrives after its
 * deadline). Each node's clock has an estimate of its own.
 */
public final class RedisStore implements Store {
  /** Threads that run Redis Cluster decisions for {@link #applyAsync}. */
  private static final int CLUSTER_THREADS = 8;

  private final long timeoutNanos;
  /** The longest a synchronous call waits for its stage, which bounds itself well before: a safety net. */
  private final long waitLimitNanos;
  private final LongSupplier clockOffsetMs;
  private final RedisKeys keys;
  private final ScriptCodec codec;
  private final QuotaScript script;
  private final RedisConnection connection;
  private final ClusterProtocol cluster;
  /** Null on Redis Cluster, or when batching is off. */
  private final DecisionBatcher batcher;
  private final Deadlines deadlines = new Deadlines();
  /** The single node's clock, from which calls get their deadlines (on Redis Cluster: unused). */
  private final RedisClockEstimate clock;
  /** Null on a single node. */
  private final ClusterRunner clusterRunner;

  private RedisStore(Builder b) {
    this.timeoutNanos = b.timeout.toNanos();
    this.clock = new RedisClockEstimate(timeoutNanos);
    long connectNanos = b.connectTimeout.toNanos();
    // connecting, a call, loading the library and the call again, each bounded on its own
    this.waitLimitNanos = 2 * timeoutNanos + 2 * connectNanos + TimeUnit.SECONDS.toNanos(1);
    this.clockOffsetMs = b.clockOffsetMs;
    this.keys = new RedisKeys(b.prefix);
    this.codec = new ScriptCodec(keys);
    this.script = new QuotaScript(timeoutNanos, connectNanos, deadlines);
    try {
      this.connection = RedisConnection.open(b.uri, b.timeout, b.connectTimeout, clock);
    } catch (RuntimeException e) {
      deadlines.close();
      throw e;
    }
    this.cluster = connection.cluster() ? new ClusterProtocol(keys, new ClusterCalls(), clockOffsetMs, timeoutNanos) : null;
    this.clusterRunner = cluster != null ? new ClusterRunner(CLUSTER_THREADS, deadlines, timeoutNanos) : null;
    this.batcher = cluster == null && b.callsInFlight > 0
        ? new DecisionBatcher(script, connection, b.callsInFlight, b.decisionsPerCall) : null;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Configuration; every setter checks its argument at once. */
  public static final class Builder {
    private String uri = "redis://127.0.0.1:6379";
    private String prefix = "quota:";
    private Duration timeout = Duration.ofMillis(100);
    private Duration connectTimeout = Duration.ofSeconds(1);
    private LongSupplier clockOffsetMs = () -> 0;
    private int callsInFlight = 2;
    private int decisionsPerCall = 64;

    /**
     * The Redis server, e.g. {@code redis://127.0.0.1:6379/0}, or a Redis Cluster given by some of
     * its nodes, e.g. {@code redis-cluster://10.0.0.1:7000,10.0.0.2:7000}.
     */
    public Builder uri(String uri) {
      ValidationException.require(uri != null, "uri", "is required");
      if (uri.startsWith(RedisConnection.CLUSTER_SCHEME)) {
        ValidationException.require(
            uri.length() > RedisConnection.CLUSTER_SCHEME.length(), "uri", "must name at least one cluster node");
      } else {
        try {
          RedisURI.create(uri);
        } catch (IllegalArgumentException e) {
          throw new ValidationException("uri", "is not a Redis URI: " + e.getMessage());
        }
      }
      this.uri = uri;
      return this;
    }

    /** Prepended to every key; lets several deployments or tests share one Redis. Default {@code quota:}. */
    public Builder prefix(String prefix) {
      new RedisKeys(prefix);
      this.prefix = prefix;
      return this;
    }

    /** The most a call waits for Redis before failing with StoreUnavailableException. Default 100 ms. */
    public Builder timeout(Duration timeout) {
      ValidationException.require(
          timeout != null && !timeout.isNegative() && !timeout.isZero(), "timeout", "must be positive");
      this.timeout = timeout;
      return this;
    }

    /** The most one attempt to open the connection may take. Default 1 s. */
    public Builder connectTimeout(Duration connectTimeout) {
      ValidationException.require(
          connectTimeout != null && !connectTimeout.isNegative() && !connectTimeout.isZero(),
          "connectTimeout",
          "must be positive");
      this.connectTimeout = connectTimeout;
      return this;
    }

    /**
     * On a single node, decisions made at the same time share calls: at most {@code calls} calls
     * carry decisions at once, and decisions made meanwhile wait and leave together, up to
     * {@code decisionsPerCall} in one call (each still applied all or nothing on its own, with its
     * own answer). A lone decision leaves at once. {@code calls} 0 sends every decision as a call
     * of its own. Default 2 calls of up to 64 decisions; Redis Cluster always sends its own calls.
     */
    public Builder batching(int calls, int decisionsPerCall) {
      ValidationException.require(calls >= 0, "calls", "must not be negative");
      ValidationException.require(decisionsPerCall >= 1, "decisionsPerCall", "must be at least 1");
      this.callsInFlight = calls;
      this.decisionsPerCall = decisionsPerCall;
      return this;
    }

    /**
     * For tests only: milliseconds added to Redis's clock on every call, read at each call, so a
     * test can move the store's time forward without sleeping. Production code never sets this.
     */
    public Builder testClockOffset(LongSupplier clockOffsetMs) {
      ValidationException.require(clockOffsetMs != null, "testClockOffset", "is required");
      this.clockOffsetMs = clockOffsetMs;
      return this;
    }

    public RedisStore build() {
      return new RedisStore(this);
    }
  }

  /**
   * On a single node, waits for {@link #applyAsync}'s stage (one code path, so the two cannot
   * answer differently) and throws what it fails with.
   */
  @Override
  public PlanResult apply(Plan plan) {
    if (cluster != null) {
      return cluster.apply(plan); // on this thread: the protocol's round trips wait in turn anyway
    }
    return await(applyAsync(plan));
  }

  /**
   * {@link #apply}, without waiting: the same decision, answered on Lettuce's threads (or the
   * store's timer thread, for a decision Redis did not answer within the timeout), so what is
   * chained onto the stage must not block. The stage fails with {@link StoreUnavailableException}
   * when Redis does not answer within the timeout or the connection is down; a decision still
   * queued for a shared call when its time is up is never sent. A closed connection is opened
   * again asynchronously; the timeout counts from when it is open, as in {@code apply}.
   *
   * <p>On Redis Cluster the decision runs the same protocol as {@code apply} on a few threads of
   * the store's own; one that finds them all busy for the whole timeout fails the same way.
   */
  @Override
  public CompletableFuture<PlanResult> applyAsync(Plan plan) {
    if (cluster != null) {
      return clusterRunner.run(() -> cluster.apply(plan));
    }
    ScriptCodec.Call call;
    long offset = clockOffsetMs.getAsLong();
    try {
      call = codec.apply(plan, offset);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    PlanAnswer answer = new PlanAnswer(call, script, connection, clock, offset);
    CompletableFuture<?> open = connection.commands();
    if (open.isDone() && !open.isCompletedExceptionally()) {
      send(answer, offset);
    } else {
      open.whenComplete((commands, error) -> {
        if (error != null) {
          answer.settle(null, error);
        } else {
          send(answer, offset);
        }
      });
    }
    return answer;
  }

  /**
   * Sends a decision once the connection is open: its time to be answered starts now, and so its
   * deadline is set now.
   */
  private void send(PlanAnswer answer, long offset) {
    answer.call.deadline(clock.deadline(offset));
    if (batcher == null || !script.functions()) {
      script.runAsync(connection, answer.call.keys(), answer.call.args()).whenComplete(answer::settle);
    } else {
      submit(answer);
    }
  }

  /**
   * Queues one decision for a shared call. One that could not leave at once (the calls in flight
   * are full) gets a deadline; one that left is bounded by its call's command timeout.
   */
  private void submit(PlanAnswer answer) {
    batcher.submit(answer);
    if (answer.left()) {
      return;
    }
    try {
      answer.expireAfter(deadlines, timeoutNanos);
    } catch (RejectedExecutionException e) {
      answer.completeExceptionally(new StoreUnavailableException("the store is closed", e));
    }
  }

  @Override
  public SettleResult settle(Settlement settlement) {
    if (cluster != null) {
      return cluster.settle(settlement);
    }
    long offset = clockOffsetMs.getAsLong();
    return ScriptCodec.settleResult(runInTime(codec.settle(settlement, offset), offset));
  }

  /**
   * One read of the reservation's record (on Redis Cluster, of its home record, which decides
   * whether it expired, as a settlement's claim does) against Redis time. Carries no deadline: it
   * changes nothing, so a late run is harmless.
   */
  @Override
  public Optional<Holding> holding(String reservationId) {
    return ScriptCodec.holding(run(codec.peek(reservationId, clockOffsetMs.getAsLong())));
  }

  /**
   * Runs one call on its own with a deadline in the clock of the node that runs it, and waits for
   * its reply. Throws as {@link #run} does, and StoreUnavailableException if Redis started the call
   * after its deadline (it changed nothing).
   */
  private List<Object> runInTime(ScriptCodec.Call call, long offset) {
    RedisClockEstimate node = connection.clock(call.keys()[0]);
    List<Object> reply = await(runWithDeadline(call, node, offset));
    long time = ScriptCodec.replyTime(call, reply);
    if (time >= 0) {
      node.observe(time, offset);
    }
    if (ScriptCodec.tooLate(reply)) { // Redis started it after this call stopped waiting: it changed nothing
      throw script.tooLate();
    }
    return reply;
  }

  /**
   * Runs one call on its own with a deadline, set once the connection is open (the timeout counts
   * from then); the stage fails as {@link #run} throws.
   */
  private CompletableFuture<List<Object>> runWithDeadline(ScriptCodec.Call call, RedisClockEstimate node, long offset) {
    CompletableFuture<List<Object>> reply = new CompletableFuture<>();
    connection.commands().whenComplete((commands, error) -> {
      if (error != null) {
        reply.completeExceptionally(script.failure(error));
        return;
      }
      call.deadline(node.deadline(offset));
      runInto(call, reply);
    });
    return reply;
  }

  /** The calls {@link ClusterProtocol} runs on this store's connection: for tests that disturb single steps. */
  ClusterProtocol.Calls clusterCalls() {
    return new ClusterCalls();
  }

  /** How {@link ClusterProtocol} reaches Redis: each step on its own, with or without a deadline. */
  private final class ClusterCalls implements ClusterProtocol.Calls {
    @Override
    public List<Object> run(ScriptCodec.Call call) {
      return RedisStore.this.run(call);
    }

    @Override
    public List<Object> runInTime(ScriptCodec.Call call, long offsetMs) {
      return RedisStore.this.runInTime(call, offsetMs);
    }
  }

  /**
   * Seeds a budget counter unless it exists. Carries a deadline like a decision: a seed Redis starts
   * after this call gave up changes nothing (a late seed could otherwise rebuild a budget from a
   * ledger read that a reset has since forgiven).
   */
  @Override
  public void seed(
      CounterKey key, long nanos, long periodEndMs, int firedThresholds, long missingAtMs, long alertedUpTo) {
    long offset = clockOffsetMs.getAsLong();
    runInTime(
        codec.seed(
            key, epochBeside(keys.counter(key)), nanos, periodEndMs, firedThresholds, missingAtMs, alertedUpTo, offset),
        offset);
  }

  /**
   * Catches up a stale budget counter in one call (see {@link Store#catchUp}). Carries a deadline
   * like a decision: a catch-up Redis starts after this call gave up changes nothing.
   */
  @Override
  public CaughtUp catchUp(BudgetOp op, long nanos, long touchedMs) {
    long offset = clockOffsetMs.getAsLong();
    return ScriptCodec.caughtUp(runInTime(codec.catchUp(op, nanos, touchedMs, offset), offset));
  }

  /** The epoch marker beside {@code key}: the node's, or on Redis Cluster that of the key's slot. */
  private String epochBeside(String key) {
    return cluster != null ? keys.epoch(RedisKeys.slot(key)) : keys.epoch();
  }

  /** The store's clock: Redis time (plus the test offset, if set), in epoch milliseconds. */
  public long nowMs() {
    return ScriptCodec.num(run(codec.now(clockOffsetMs.getAsLong())).get(0));
  }

  /** Redis's clock, which dates reservations and the ledger's rows (see {@link Store#clockMs}). */
  @Override
  public OptionalLong clockMs() {
    return OptionalLong.of(nowMs());
  }

  /**
   * Deletes every counter of {@code subject} in one atomic call, so each decision sees the subject
   * either wholly before the reset or wholly after it. The call marks the reset with Redis time, so
   * that settling a reservation made before it (or in the same millisecond) leaves the subject's new
   * counters alone (the reset forgave its holds), and deletes the subject's counter of every name
   * the script registered (see {@link RedisKeys#names()}): its cost grows with the names in use, not
   * with the keyspace. Carries a deadline: a reset Redis starts after this call gave up changes
   * nothing. Waits at most the timeout.
   */
  @Override
  public void reset(String subject) {
    long offset = clockOffsetMs.getAsLong();
    runInTime(codec.reset(subject, epochBeside(keys.resetMark(subject)), offset), offset);
  }

  /**
   * Redis's {@code maxmemory-policy} (on Redis Cluster, one node's), or empty if Redis refuses
   * {@code CONFIG GET} (managed services often do) or does not answer. Every counter has a TTL, so
   * any policy but {@code noeviction} lets a full Redis drop counters one at a time; a budget
   * dropped alone, with its epoch marker still there, is not known to be lost and starts again at
   * zero, where one lost with all of Redis's data is rebuilt from the ledger.
   */
  public Optional<String> evictionPolicy() {
    try {
      Map<String, String> config = await(connection.commands()
          .thenCompose(c -> c.configGet("maxmemory-policy").toCompletableFuture()));
      return Optional.ofNullable(config.get("maxmemory-policy"));
    } catch (RuntimeException refusedOrAway) {
      return Optional.empty();
    }
  }

  /** Deletes every key under this store's prefix (for tests and decommissioning). */
  public void deleteAll() {
    deleteMatching(keys.everything());
  }

  public RedisKeys keys() {
    return keys;
  }

  /** For tests: deadlines waiting on the store's timer. */
  int deadlinesPending() {
    return deadlines.pending();
  }

  /** For tests: the batcher, or null when decisions are not batched. */
  DecisionBatcher batcher() {
    return batcher;
  }

  private void deleteMatching(String pattern) {
    RedisKeyAsyncCommands<String, String> redis = await(connection.commands());
    ScanArgs args = ScanArgs.Builder.matches(pattern).limit(1000);
    ScanCursor cursor = ScanCursor.INITIAL;
    do {
      KeyScanCursor<String> page = await(redis.scan(cursor, args));
      if (!page.getKeys().isEmpty()) {
        await(connection.commands(page.getKeys().get(0))); // a page comes from one node; its connection open
        await(redis.unlink(page.getKeys().toArray(String[]::new)));
      }
      cursor = page;
    } while (!cursor.isFinished());
  }

  /** Runs one call on its own (loading the library if needed) and waits for its reply. */
  List<Object> run(ScriptCodec.Call call) {
    CompletableFuture<List<Object>> reply = new CompletableFuture<>();
    runInto(call, reply);
    return await(reply);
  }

  private void runInto(ScriptCodec.Call call, CompletableFuture<List<Object>> reply) {
    script.runAsync(connection, call.keys(), call.args()).whenComplete((r, error) -> {
      if (error != null) {
        reply.completeExceptionally(script.failure(error));
      } else {
        reply.complete(r);
      }
    });
  }

  /**
   * Waits for a stage that bounds itself (each of its steps has a timeout) and throws what it
   * fails with, as it is. Interrupted, it gives up the stage: a decision not sent yet never is.
   */
  private <T> T await(CompletableFuture<T> stage) {
    try {
      return stage.get(waitLimitNanos, TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw script.failure(cause);
    } catch (TimeoutException e) {
      stage.cancel(false);
      throw script.notAnswered(e);
    } catch (InterruptedException e) {
      stage.cancel(false);
      Thread.currentThread().interrupt();
      throw new StoreUnavailableException("interrupted while waiting for Redis", e);
    }
  }

  private <T> T await(RedisFuture<T> future) {
    try {
      return future.get(timeoutNanos, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      future.cancel(false);
      throw new StoreUnavailableException("Redis did not answer in time", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreUnavailableException("interrupted while waiting for Redis", e);
    } catch (ExecutionException e) {
      throw QuotaScript.translate(e.getCause());
    }
  }

  @Override
  public void close() {
    try {
      if (clusterRunner != null) {
        clusterRunner.close();
      }
      connection.close();
    } finally {
      deadlines.close();
    }
  }
}
