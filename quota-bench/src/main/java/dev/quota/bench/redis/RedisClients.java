package dev.quota.bench.redis;

import dev.quota.Algorithm;
import dev.quota.Policy;
import dev.quota.Quota;
import dev.quota.QuotaRequest;
import dev.quota.RateLimit;
import dev.quota.Selector;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.MemoryConfigRepository;
import dev.quota.store.Store;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.distributed.proxy.RemoteBucketBuilder;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Redis-backed limiters of workload B, each deciding for a request that names one subject (a
 * user) or three (user, team, project). Every subject has one limit of 10^9 per minute, so nothing
 * is denied: this measures what a decision costs, not how denials are handled.
 */
final class RedisClients {
  private RedisClients() {}

  static final long LIMIT = 1_000_000_000L;
  static final Duration WINDOW = Duration.ofMinutes(1);
  static final List<String> SCOPES = List.of("user", "team", "project");

  /** One decision for key index {@code k}; true if admitted. */
  interface Decider extends AutoCloseable {
    boolean decide(int k);

    @Override
    default void close() {}
  }

  static String id(String scope, int k, int keys) {
    // With many users there are keys/100 teams and keys/10 projects, as in the local decision benchmark.
    int n = switch (scope) {
      case "team" -> k % Math.max(1, keys / 100);
      case "project" -> k % Math.max(1, keys / 10);
      default -> k;
    };
    return scope.charAt(0) + Integer.toString(n);
  }

  /** The Quota Redis store, loaded by name so this module builds before that store exists. */
  static Store redisStore(String host, int port, String prefix) {
    try {
      Class<?> c = Class.forName("dev.quota.redis.RedisStore");
      Object b = c.getMethod("builder").invoke(null);
      b = b.getClass().getMethod("uri", String.class).invoke(b, "redis://" + host + ":" + port + "/0");
      b = b.getClass().getMethod("prefix", String.class).invoke(b, prefix);
      b = b.getClass().getMethod("timeout", Duration.class).invoke(b, Duration.ofSeconds(2));
      return (Store) b.getClass().getMethod("build").invoke(b);
    } catch (ClassNotFoundException e) {
      return null;
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot build the Redis store", e);
    }
  }

  static boolean redisStoreAvailable() {
    try {
      Class.forName("dev.quota.redis.RedisStore");
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  /** Quota's engine on its Redis store: {@code reserve}, one plan and one script run per decision. */
  static Decider quota(Store store, int keys, int subjects) {
    MemoryConfigRepository config = new MemoryConfigRepository();
    for (String scope : SCOPES) {
      Policy p = Policy.builder(Selector.of(scope, Selector.ANY))
          .rateLimit(new RateLimit(RateLimit.REQUESTS, LIMIT, WINDOW, Algorithm.SLIDING_WINDOW)).build();
      config.putPolicy(p, replaced -> new AuditEntry(0, Instant.EPOCH, "bench", "put", scope, null, null, "setup"));
    }
    Quota quota = Quota.builder().store(store).config(config).build();
    QuotaRequest[] requests = new QuotaRequest[keys];
    for (int k = 0; k < keys; k++) {
      QuotaRequest.Builder b = QuotaRequest.builder().ttl(Duration.ofMinutes(1));
      for (String scope : SCOPES.subList(0, subjects)) {
        b.subject(scope, id(scope, k, keys));
      }
      requests[k] = b.build();
    }
    return new Decider() {
      @Override
      public boolean decide(int k) {
        return quota.reserve(requests[k]).admitted();
      }

      @Override
      public void close() {
        quota.close();
      }
    };
  }

  /** Bucket4j on Lettuce (compare-and-swap), one bucket per subject, tried in turn. */
  static Decider bucket4j(RedisClient client, String prefix, int keys, int subjects, boolean batching) {
    StatefulRedisConnection<String, byte[]> connection =
        client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
    ProxyManager<String> proxies = Bucket4jLettuce.casBasedBuilder(connection)
        .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(60)))
        .build();
    BucketConfiguration configuration = BucketConfiguration.builder()
        .addLimit(l -> l.capacity(LIMIT).refillGreedy(LIMIT, WINDOW)).build();
    BucketProxy[][] buckets = new BucketProxy[keys][subjects];
    // One proxy per Redis key, so batching can merge every concurrent request for that key.
    Map<String, BucketProxy> byKey = new HashMap<>();
    for (int k = 0; k < keys; k++) {
      for (int s = 0; s < subjects; s++) {
        String scope = SCOPES.get(s);
        buckets[k][s] = byKey.computeIfAbsent(prefix + scope + ":" + id(scope, k, keys), key -> {
          RemoteBucketBuilder<String> b = proxies.builder();
          if (batching) {
            b = b.withOptimization(Optimizations.batching());
          }
          return b.build(key, configuration);
        });
      }
    }
    return new Decider() {
      @Override
      public boolean decide(int k) {
        for (BucketProxy b : buckets[k]) {
          if (!b.tryConsume(1)) {
            return false;
          }
        }
        return true;
      }

      @Override
      public void close() {
        connection.close();
      }
    };
  }
}
