package dev.quota.redis;

import dev.quota.StoreUnavailableException;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The one shared, multiplexed Lettuce connection of a store: to a single node or to a cluster. It
 * also keeps the estimate of each node's clock ({@link RedisClockEstimate}) from which calls get their
 * deadlines, and asks a node for its {@code TIME} before the first call it carries there, so that
 * no call leaves without a deadline.
 */
abstract class RedisConnection implements AutoCloseable {
  static final String CLUSTER_SCHEME = "redis-cluster://";

  /**
   * The connection's commands: at once while the connection is open; otherwise one attempt to open
   * it (shared by every caller meanwhile, bounded by the connect timeout) completes the stage, or
   * fails it with StoreUnavailableException. Never blocks.
   */
  abstract CompletableFuture<RedisClusterAsyncCommands<String, String>> commands();

  /**
   * The commands, ready to carry a call on {@code key}: as {@link #commands()}, and on Redis Cluster
   * once the connection to the node serving the key's slot is open too. Never blocks.
   */
  CompletableFuture<RedisClusterAsyncCommands<String, String>> commands(String key) {
    return commands();
  }

  /** The commands of the connection if it is open, else null; never connects (so never blocks). */
  abstract RedisClusterAsyncCommands<String, String> commandsIfOpen();

  /** Loads (or replaces) a function library on the node, or on every master of the cluster. */
  abstract CompletableFuture<?> loadLibrary(String library);

  abstract boolean cluster();

  /**
   * The clock estimate of the node that serves {@code key}. On a single node it is {@code node},
   * as given to {@link #open}, known once {@link #commands} completes. On Redis Cluster it is the
   * estimate of the master that this client sees serving the key's slot; the first time a node is
   * asked about, this waits for its {@code TIME} (at most the connect timeout and the timeout), and
   * throws StoreUnavailableException if it does not come.
   */
  abstract RedisClockEstimate clock(String key);

  @Override
  public abstract void close();

  /** {@code node}: the estimate of a single node's clock, which each new connection first sets with {@code TIME}. */
  static RedisConnection open(String uri, Duration timeout, Duration connectTimeout, RedisClockEstimate node) {
    return uri.startsWith(CLUSTER_SCHEME)
        ? new Cluster(uri, timeout, connectTimeout)
        : new Standalone(RedisURI.create(uri), timeout, connectTimeout, node);
  }

  /**
   * One node. Calls are sent at most once: Lettuce's own reconnect re-sends commands that were in
   * flight, which could apply a decision twice; a lost connection instead fails its calls, and the
   * next call opens a new connection. A new connection is ready only once the node answered
   * {@code TIME}: the node behind the address may have changed (a restart, a failover), and with it
   * its clock.
   */
  private static final class Standalone extends RedisConnection {
    private final RedisClient client;
    private final RedisURI uri;
    private final RedisClockEstimate clock;
    /** The last attempt to open a connection; its connection once it succeeded. */
    private volatile CompletableFuture<RedisClusterAsyncCommands<String, String>> attempt;
    private volatile StatefulRedisConnection<String, String> connection;

    Standalone(RedisURI uri, Duration timeout, Duration connectTimeout, RedisClockEstimate clock) {
      this.uri = uri;
      this.clock = clock;
      uri.setTimeout(connectTimeout); // bounds the handshake; calls have their own timeout
      this.client = RedisClient.create();
      client.setOptions(
          ClientOptions.builder()
              .autoReconnect(false)
              .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
              .socketOptions(SocketOptions.builder().connectTimeout(connectTimeout).build())
              .timeoutOptions(TimeoutOptions.enabled(timeout))
              .build());
    }

    @Override
    CompletableFuture<RedisClusterAsyncCommands<String, String>> commands() {
      CompletableFuture<RedisClusterAsyncCommands<String, String>> a = attempt;
      if (a != null && usable(a)) {
        return a;
      }
      synchronized (this) {
        a = attempt;
        if (a == null || !usable(a)) {
          StatefulRedisConnection<String, String> lost = connection;
          if (lost != null) {
            connection = null;
            lost.closeAsync();
          }
          a = connect();
          attempt = a;
        }
        return a;
      }
    }

    /** Still connecting, or connected and open. */
    private boolean usable(CompletableFuture<?> a) {
      if (!a.isDone()) {
        return true;
      }
      StatefulRedisConnection<String, String> c = connection;
      return !a.isCompletedExceptionally() && c != null && c.isOpen();
    }

    private CompletableFuture<RedisClusterAsyncCommands<String, String>> connect() {
      CompletableFuture<RedisClusterAsyncCommands<String, String>> ready = new CompletableFuture<>();
      try {
        client.connectAsync(Utf8Codec.INSTANCE, uri).whenComplete((c, error) -> {
          if (error != null) {
            ready.completeExceptionally(cannotConnect(error));
            return;
          }
          connection = c; // before the stage completes, so that usable() sees it (and close() closes it)
          c.async().time().whenComplete((time, noTime) -> {
            if (noTime != null) {
              ready.completeExceptionally(cannotConnect(noTime)); // the next call opens another connection
            } else {
              clock.observe(RedisClockEstimate.timeMs(time), 0);
              ready.complete(c.async());
            }
          });
        });
      } catch (RuntimeException e) {
        ready.completeExceptionally(cannotConnect(e));
      }
      return ready;
    }

    private StoreUnavailableException cannotConnect(Throwable error) {
      Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
      return new StoreUnavailableException("cannot connect to Redis at " + uri.getHost() + ":" + uri.getPort(), cause);
    }

    @Override
    RedisClusterAsyncCommands<String, String> commandsIfOpen() {
      StatefulRedisConnection<String, String> c = connection;
      return c != null && c.isOpen() ? c.async() : null;
    }

    @Override
    CompletableFuture<?> loadLibrary(String library) {
      return commands().thenCompose(redis -> redis.functionLoad(library, true));
    }

    @Override
    boolean cluster() {
      return false;
    }

    @Override
    RedisClockEstimate clock(String key) {
      return clock;
    }

    @Override
    public void close() {
      synchronized (this) {
        CompletableFuture<RedisClusterAsyncCommands<String, String>> a = attempt;
        if (a != null) {
          a.cancel(false); // callers chained on a connection still being opened fail now
        }
        StatefulRedisConnection<String, String> c = connection;
        if (c != null) {
          c.close();
        }
      }
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  /**
   * A Redis Cluster, named {@code redis-cluster://host:port,host:port,...} (any reachable nodes;
   * the rest of the topology is discovered). Lettuce routes each script by its first key's slot and
   * follows MOVED and ASK redirections, refreshing its view of the topology when they occur.
   * Calls are sent at most once, as on a single node: Lettuce reconnects each node's connection by
   * itself, but a call in flight when it drops fails (Lettuce's default re-sends it on reconnecting,
   * which could count a slot's usage twice), and so does a call made while it is down.
   */
  private static final class Cluster extends RedisConnection {
    private final RedisClusterClient client;
    private final StatefulRedisClusterConnection<String, String> connection;
    /** Lettuce reconnects a cluster connection by itself (failing what was in flight): its commands are always there. */
    private final CompletableFuture<RedisClusterAsyncCommands<String, String>> commands;
    /**
     * Each master's clock, by node id: nodes' clocks differ, so a deadline is set in the clock of
     * the node that runs the call. A failover's new master has an id (and an estimate) of its own.
     */
    private final Map<String, RedisClockEstimate> clocks = new ConcurrentHashMap<>();
    private final long timeoutNanos;
    private final long timeWaitNanos;

    Cluster(String uri, Duration timeout, Duration connectTimeout) {
      this.timeoutNanos = timeout.toNanos();
      this.timeWaitNanos = timeoutNanos + connectTimeout.toNanos();
      List<RedisURI> seeds = new ArrayList<>();
      for (String node : uri.substring(CLUSTER_SCHEME.length()).split(",")) {
        RedisURI seed = RedisURI.create("redis://" + node.trim());
        seed.setTimeout(connectTimeout);
        seeds.add(seed);
      }
      this.client = RedisClusterClient.create(seeds);
      client.setOptions(
          ClusterClientOptions.builder()
              // reconnect, but fail the calls in flight instead of re-sending them (at most once)
              .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
              .socketOptions(SocketOptions.builder().connectTimeout(connectTimeout).build())
              .timeoutOptions(TimeoutOptions.enabled(timeout))
              .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder().enableAllAdaptiveRefreshTriggers().build())
              .build());
      try {
        this.connection = client.connect(Utf8Codec.INSTANCE);
      } catch (RedisException e) {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        throw new StoreUnavailableException("cannot connect to the Redis Cluster at " + uri, e);
      }
      this.commands = CompletableFuture.completedFuture(connection.async());
    }

    @Override
    CompletableFuture<RedisClusterAsyncCommands<String, String>> commands() {
      return commands;
    }

    /**
     * Lettuce rejects, never sending it, a call routed to a node whose connection is still being
     * opened (calls are never buffered, see the options): so a call waits for that connection first
     * (bounded by the connect timeout). A topology change between this and the routing can still
     * have a call rejected, unsent, as unavailable.
     */
    @Override
    CompletableFuture<RedisClusterAsyncCommands<String, String>> commands(String key) {
      RedisClusterNode node = connection.getPartitions().getMasterBySlot(RedisKeys.slot(key));
      if (node == null) {
        return commands; // Lettuce fails the call itself: no node serves the slot
      }
      CompletableFuture<StatefulRedisConnection<String, String>> route = routeTo(node);
      if (route.isDone() && !route.isCompletedExceptionally()) {
        return commands;
      }
      return route.handle((open, error) -> {
        if (error != null) {
          throw new CompletionException(new StoreUnavailableException(
              "cannot connect to Redis Cluster node " + node.getUri().getHost() + ":" + node.getUri().getPort(), error));
        }
        return connection.async();
      });
    }

    /** The connection Lettuce routes the node's slots over: keyed by the node's address. */
    private CompletableFuture<StatefulRedisConnection<String, String>> routeTo(RedisClusterNode node) {
      return connection.getConnectionAsync(node.getUri().getHost(), node.getUri().getPort());
    }

    @Override
    RedisClusterAsyncCommands<String, String> commandsIfOpen() {
      return connection.isOpen() ? connection.async() : null;
    }

    @Override
    CompletableFuture<?> loadLibrary(String library) {
      // masters replicate it to their replicas; a node that joins later answers "not found" and
      // gets it then
      return CompletableFuture.allOf(connection.async().masters().commands().functionLoad(library, true).futures());
    }

    @Override
    boolean cluster() {
      return true;
    }

    /**
     * The estimate of the node this client sees serving {@code key}'s slot. A reply observed into it
     * may, while a slot moves, come from the slot's next node; the next reply of the node itself
     * puts it right.
     */
    @Override
    RedisClockEstimate clock(String key) {
      int slot = RedisKeys.slot(key);
      RedisClusterNode node = connection.getPartitions().getMasterBySlot(slot);
      if (node == null) {
        throw new StoreUnavailableException("no node of the Redis Cluster serves slot " + slot, null);
      }
      RedisClockEstimate clock = clocks.computeIfAbsent(node.getNodeId(), id -> new RedisClockEstimate(timeoutNanos));
      if (!clock.known()) {
        clock.observe(RedisClockEstimate.timeMs(time(node)), 0);
      }
      return clock;
    }

    private List<String> time(RedisClusterNode node) {
      // over the connection that carries the node's calls, which this opens before the first of them
      CompletableFuture<List<String>> time = routeTo(node).thenCompose(c -> c.async().time().toCompletableFuture());
      try {
        return time.get(timeWaitNanos, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StoreUnavailableException("interrupted while asking Redis for its time", e);
      } catch (ExecutionException | TimeoutException e) {
        time.cancel(false);
        Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
        throw new StoreUnavailableException("Redis Cluster node " + node.getUri() + " did not tell its time", cause);
      }
    }

    @Override
    public void close() {
      connection.close();
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }
}
