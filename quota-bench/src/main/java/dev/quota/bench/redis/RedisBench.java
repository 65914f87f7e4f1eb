package dev.quota.bench.redis;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.quota.Algorithm;
import dev.quota.RateLimit;
import dev.quota.Subject;
import dev.quota.bench.Profile;
import dev.quota.plan.CounterKeys;
import dev.quota.plan.CounterOp;
import dev.quota.plan.Plan;
import dev.quota.plan.RateOp;
import dev.quota.store.Store;
import io.github.bucket4j.BucketConfiguration;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;

/**
 * Workloads B (throughput, latency and commands per decision) and E (Redis bytes per counter).
 *
 * <p>"In flight" is the number of threads making synchronous decisions in a closed loop over one
 * shared connection per client (both Quota's store and Bucket4j's proxy manager multiplex and
 * pipeline concurrent calls). Each configuration runs a warm-up second, then the measured period;
 * Redis's command statistics are reset in between when the server is private to the run.
 */
public final class RedisBench {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final String PREFIX = "bench:";

  private RedisBench() {}

  public static void run(Profile profile, Path results) throws IOException, InterruptedException {
    String host = System.getProperty("bench.redis.host", "127.0.0.1");
    int port = Integer.getInteger("bench.redis.port", 6379);
    boolean privateServer = port != 6379;
    RedisClient client = RedisClient.create("redis://" + host + ":" + port + "/0");
    try (StatefulRedisConnection<String, String> admin = client.connect()) {
      admin.sync().ping();
      RedisAdmin redis = new RedisAdmin(admin.sync(), privateServer);
      redis.deleteMatching(PREFIX + "*");
      List<Map<String, Object>> rows = new ArrayList<>();
      for (int keys : new int[] {10_000, 1}) {
        for (int subjects : new int[] {1, 3}) {
          for (int inFlight : new int[] {1, 64}) {
            for (String name : new String[] {"quota", "bucket4j", "bucket4j-batching"}) {
              RedisClients.Decider d = decider(name, client, host, port, keys, subjects);
              if (d == null) {
                continue;
              }
              try (d) {
                rows.add(measure(name, d, keys, subjects, inFlight, profile.redisSeconds(), redis));
              }
              redis.deleteMatching(PREFIX + "*");
            }
          }
        }
      }
      rows.addAll(redisBenchmark(host, port, admin));
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("quotaStoreAvailable", RedisClients.redisStoreAvailable());
      out.put("privateServer", privateServer);
      out.put("rows", rows);
      JSON.writeValue(results.resolve("redis.json").toFile(), out);
      JSON.writeValue(results.resolve("redis-memory.json").toFile(), memory(client, host, port, redis, profile.redisMemorySubjects()));
      redis.deleteMatching(PREFIX + "*");
    } finally {
      client.shutdown();
    }
  }

  private static RedisClients.Decider decider(String name, RedisClient client, String host, int port, int keys, int subjects) {
    return switch (name) {
      case "quota" -> {
        Store store = RedisClients.redisStore(host, port, PREFIX + "q:");
        yield store == null ? null : RedisClients.quota(store, keys, subjects);
      }
      case "bucket4j" -> RedisClients.bucket4j(client, PREFIX + "b4j:", keys, subjects, false);
      default -> RedisClients.bucket4j(client, PREFIX + "b4jb:", keys, subjects, true);
    };
  }

  private static Map<String, Object> measure(
      String name, RedisClients.Decider decider, int keys, int subjects, int inFlight, int seconds, RedisAdmin redis)
      throws InterruptedException {
    System.out.printf("redis: %s keys=%d subjects=%d inFlight=%d%n", name, keys, subjects, inFlight);
    runFor(decider, keys, inFlight, 1, null); // warm-up: JIT, connections, first counters
    redis.resetStats();
    Map<String, Long> before = redis.commandCalls();
    long cpuBefore = redis.cpuMicros();
    long[][] samples = new long[inFlight][];
    long started = System.nanoTime();
    long decisions = runFor(decider, keys, inFlight, seconds, samples);
    double elapsed = (System.nanoTime() - started) / 1e9;
    long cpu = redis.cpuMicros() - cpuBefore;
    Map<String, Long> calls = RedisAdmin.delta(before, redis.commandCalls());
    long[] all = Arrays.stream(samples).flatMapToLong(Arrays::stream).sorted().toArray();
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("client", name);
    row.put("keys", keys);
    row.put("subjects", subjects);
    row.put("inFlight", inFlight);
    row.put("decisions", decisions);
    row.put("throughput", decisions / elapsed);
    row.put("p50us", percentile(all, 0.50) / 1000.0);
    row.put("p99us", percentile(all, 0.99) / 1000.0);
    row.put("commandsPerDecision", calls.values().stream().mapToLong(Long::longValue).sum() / (double) Math.max(1, decisions));
    row.put("redisCpuUsPerDecision", cpu / (double) Math.max(1, decisions));
    row.put("commands", calls);
    return row;
  }

  private static long percentile(long[] sorted, double q) {
    return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) (q * sorted.length))];
  }

  /** Runs {@code inFlight} closed-loop threads for {@code seconds}; returns the decisions made. */
  private static long runFor(RedisClients.Decider d, int keys, int inFlight, int seconds, long[][] samples)
      throws InterruptedException {
    AtomicBoolean stop = new AtomicBoolean();
    long[] counts = new long[inFlight];
    CountDownLatch done = new CountDownLatch(inFlight);
    Throwable[] failure = new Throwable[1];
    for (int t = 0; t < inFlight; t++) {
      int thread = t;
      Thread worker = new Thread(() -> {
        SplittableRandom random = new SplittableRandom(thread);
        long[] lat = new long[1 << 16];
        int n = 0;
        try {
          while (!stop.get()) {
            int k = keys == 1 ? 0 : random.nextInt(keys);
            long t0 = System.nanoTime();
            d.decide(k);
            long took = System.nanoTime() - t0;
            if (n == lat.length) {
              lat = Arrays.copyOf(lat, n * 2);
            }
            lat[n++] = took;
          }
        } catch (Throwable e) {
          failure[0] = e;
        } finally {
          counts[thread] = n;
          if (samples != null) {
            samples[thread] = Arrays.copyOf(lat, n);
          }
          done.countDown();
        }
      });
      worker.setDaemon(true);
      worker.start();
    }
    Thread.sleep(seconds * 1000L);
    stop.set(true);
    done.await();
    if (failure[0] != null) {
      throw new IllegalStateException("a Redis decision failed", failure[0]);
    }
    return Arrays.stream(counts).sum();
  }

  /** The ceiling: redis-benchmark running a trivial EVALSHA (one INCR) on one key and on 10,000. */
  private static List<Map<String, Object>> redisBenchmark(String host, int port, StatefulRedisConnection<String, String> admin)
      throws IOException, InterruptedException {
    List<Map<String, Object>> rows = new ArrayList<>();
    String sha = admin.sync().scriptLoad("return redis.call('INCR', KEYS[1])");
    for (int keys : new int[] {10_000, 1}) {
      for (int clients : new int[] {1, 64}) {
        List<String> cmd = new ArrayList<>(List.of("redis-benchmark", "-h", host, "-p", String.valueOf(port),
            "-c", String.valueOf(clients), "-n", clients == 1 ? "20000" : "200000", "--csv"));
        if (keys > 1) {
          cmd.addAll(List.of("-r", String.valueOf(keys)));
        }
        cmd.addAll(List.of("EVALSHA", sha, "1", PREFIX + "raw:" + (keys > 1 ? "__rand_int__" : "hot")));
        Process p;
        try {
          p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
          System.out.println("redis-benchmark not available: " + e.getMessage());
          return rows;
        }
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line; (line = r.readLine()) != null; ) {
            lines.add(line);
          }
        }
        p.waitFor();
        for (String line : lines) {
          String[] f = line.replace("\"", "").split(",");
          if (f.length >= 7 && !f[0].equals("test")) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("client", "redis-benchmark EVALSHA");
            row.put("keys", keys);
            row.put("subjects", 1);
            row.put("inFlight", clients);
            row.put("throughput", Double.parseDouble(f[1]));
            row.put("p50us", Double.parseDouble(f[4]) * 1000);
            row.put("p99us", Double.parseDouble(f[6]) * 1000);
            row.put("commandsPerDecision", 1.0);
            rows.add(row);
          }
        }
      }
    }
    return rows;
  }

  /**
   * Redis bytes per (subject, limit): {@code subjects} subjects each record one unit against 1 or 3
   * sliding-window limits through the Quota store (a RECORD plan, so no reservation is filed), and
   * the same number of Bucket4j buckets with 1 or 3 bandwidths.
   */
  private static Map<String, Object> memory(RedisClient client, String host, int port, RedisAdmin redis, int subjects)
      throws InterruptedException {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int limits : new int[] {1, 3}) {
      Store store = RedisClients.redisStore(host, port, PREFIX + "mq:");
      if (store != null) {
        try (store) {
          RateLimit[] rl = new RateLimit[limits];
          Duration[] windows = {Duration.ofMinutes(1), Duration.ofHours(1), Duration.ofDays(1)};
          for (int l = 0; l < limits; l++) {
            rl[l] = new RateLimit(RateLimit.REQUESTS, 1_000_000, windows[l], Algorithm.SLIDING_WINDOW);
          }
          store.apply(recordPlan(0, rl)); // creates the store's own bookkeeping keys before the baseline
          long before = redis.usedMemory();
          parallel(subjects, k -> store.apply(recordPlan(k + 1, rl)));
          long after = redis.usedMemory();
          long[] sample = redis.sampleMemoryUsage(PREFIX + "mq:*{user:*", 1000);
          rows.add(memoryRow("quota Redis store (sliding window)", subjects, limits, before, after, sample));
        }
        redis.deleteMatching(PREFIX + "mq:*");
      }
      StatefulRedisConnection<String, byte[]> connection =
          client.connect(io.lettuce.core.codec.RedisCodec.of(io.lettuce.core.codec.StringCodec.UTF8, io.lettuce.core.codec.ByteArrayCodec.INSTANCE));
      try (connection) {
        var proxies = io.github.bucket4j.redis.lettuce.Bucket4jLettuce.casBasedBuilder(connection)
            .expirationAfterWrite(io.github.bucket4j.distributed.ExpirationAfterWriteStrategy
                .basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(60)))
            .build();
        var builder = BucketConfiguration.builder();
        Duration[] windows = {Duration.ofMinutes(1), Duration.ofHours(1), Duration.ofDays(1)};
        for (int l = 0; l < limits; l++) {
          Duration w = windows[l];
          builder.addLimit(b -> b.capacity(1_000_000).refillGreedy(1_000_000, w));
        }
        BucketConfiguration configuration = builder.build();
        long before = redis.usedMemory();
        parallel(subjects, k -> proxies.builder().build(PREFIX + "mb:user:u" + k, configuration).tryConsume(1));
        long after = redis.usedMemory();
        long[] sample = redis.sampleMemoryUsage(PREFIX + "mb:*", 1000);
        rows.add(memoryRow("bucket4j-lettuce", subjects, limits, before, after, sample));
      }
      redis.deleteMatching(PREFIX + "mb:*");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("rows", rows);
    return out;
  }

  private static Plan recordPlan(int k, RateLimit[] limits) {
    String subject = CounterKeys.subjectOf(Subject.of("user", "u" + k));
    List<CounterOp> ops = new ArrayList<>();
    for (RateLimit l : limits) {
      ops.add(new RateOp(CounterKeys.rate(subject, l), true, "user:*", l, 1));
    }
    return new Plan(Plan.Kind.RECORD, ops, null, 0, null, "", null, false);
  }

  private static Map<String, Object> memoryRow(String what, int subjects, int limits, long before, long after, long[] sample) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("what", what);
    row.put("subjects", subjects);
    row.put("limits", limits);
    row.put("usedMemoryDelta", after - before);
    row.put("bytesPerSubjectLimit", (after - before) / (double) (subjects * limits));
    row.put("sampledKeys", sample[0]);
    row.put("memoryUsagePerKey", sample[0] == 0 ? 0 : sample[1] / (double) sample[0]);
    return row;
  }

  private static void parallel(int n, IntConsumer task) throws InterruptedException {
    int threads = 16;
    Thread[] ts = new Thread[threads];
    Throwable[] failure = new Throwable[1];
    for (int t = 0; t < threads; t++) {
      int from = t;
      ts[t] = new Thread(() -> {
        try {
          for (int k = from; k < n; k += threads) {
            task.accept(k);
          }
        } catch (Throwable e) {
          failure[0] = e;
        }
      });
      ts[t].start();
    }
    for (Thread t : ts) {
      t.join();
    }
    if (failure[0] != null) {
      throw new IllegalStateException("memory fill failed", failure[0]);
    }
  }
}
