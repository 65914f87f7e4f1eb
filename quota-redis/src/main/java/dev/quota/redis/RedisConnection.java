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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** The one shared, multiplexed Lettuce connection of a store: to a single node or to a cluster. */
abstract class RedisConnection implements AutoCloseable {
  static final String CLUSTER_SCHEME = "redis-cluster://";

  /**
   * The connection's commands: at once while the connection is open; otherwise one attempt to open
   * it (shared by every caller meanwhile, bounded by the connect timeout) completes the stage, or
   * fails it with StoreUnavailableException. Never blocks.
   */
  abstract CompletableFuture<RedisClusterAsyncCommands<String, String>> commands();

  /** The commands of the connection if it is open, else null; never connects (so never blocks). */
  abstract RedisClusterAsyncCommands<String, String> commandsIfOpen();

  /** Loads (or replaces) a function library on the node, or on every master of the cluster. */
  abstract CompletableFuture<?> loadLibrary(String library);

  abstract boolean cluster();

  @Override
  public abstract void close();

  static RedisConnection open(String uri, Duration timeout, Duration connectTimeout) {
    return uri.startsWith(CLUSTER_SCHEME)
        ? new Cluster(uri, timeout, connectTimeout)
        : new Standalone(RedisURI.create(uri), timeout, connectTimeout);
  }

  /**
   * One node. Calls are sent at most once: Lettuce's own reconnect re-sends commands that were in
   * flight, which could apply a decision twice; a lost connection instead fails its calls, and the
   * next call opens a new connection.
   */
  private static final class Standalone extends RedisConnection {
    private final RedisClient client;
    private final RedisURI uri;
    /** The last attempt to open a connection; its connection once it succeeded. */
    private volatile CompletableFuture<RedisClusterAsyncCommands<String, String>> attempt;
    private volatile StatefulRedisConnection<String, String> connection;

    Standalone(RedisURI uri, Duration timeout, Duration connectTimeout) {
      this.uri = uri;
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
          } else {
            connection = c; // before the stage completes, so that usable() sees it
            ready.complete(c.async());
          }
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
   */
  private static final class Cluster extends RedisConnection {
    private final RedisClusterClient client;
    private final StatefulRedisClusterConnection<String, String> connection;
    /** Lettuce reconnects a cluster connection by itself: its commands are always there. */
    private final CompletableFuture<RedisClusterAsyncCommands<String, String>> commands;

    Cluster(String uri, Duration timeout, Duration connectTimeout) {
      List<RedisURI> seeds = new ArrayList<>();
      for (String node : uri.substring(CLUSTER_SCHEME.length()).split(",")) {
        RedisURI seed = RedisURI.create("redis://" + node.trim());
        seed.setTimeout(connectTimeout);
        seeds.add(seed);
      }
      this.client = RedisClusterClient.create(seeds);
      client.setOptions(
          ClusterClientOptions.builder()
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

    @Override
    public void close() {
      connection.close();
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }
}
