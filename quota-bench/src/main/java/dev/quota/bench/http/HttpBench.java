package dev.quota.bench.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.quota.bench.Profile;
import dev.quota.bench.redis.RedisAdmin;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Workload D: the real server under {@code wrk}, a trivial authenticated JSON endpoint
 * ({@code GET /v1/whoami}) against {@code POST /v1/reservations}, on memory counters (embedded H2)
 * and on Redis counters (PostgreSQL in a schema of its own, dropped afterwards).
 *
 * <p>The server runs pinned to one core and wrk to the other, one wrk thread with 64 connections.
 * After a warm-up of both endpoints the two alternate in A-B-B-A order, so drift in the machine's
 * background load falls on both equally. Reservations are never committed: each stays held until
 * it expires (after the server's default five minutes), so the store grows during the run as it
 * would under clients that abandon their calls.
 *
 * <p>Settings: {@code bench.server.jar}, {@code bench.http.serverCore} (default 0),
 * {@code bench.http.wrkCore} (default 1), {@code bench.http.warmupCores} (default both),
 * {@code bench.redis.host}/{@code bench.redis.port},
 * {@code bench.postgres.url} (default the local {@code test} database as {@code postgres}).
 */
public final class HttpBench {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  static final int CONNECTIONS = 64;
  /**
   * Connections during the first part of the warm-up. The JIT compiler shares the server's cores
   * with its request threads: under 64 connections it gets a sliver of them, and on one core both
   * endpoints were still speeding up (by 2x) minutes into the measurement. Two keep the server busy
   * and leave the compiler its share. The server also warms up on both cores, not only its own, so
   * that the compiler threads are not confined to the core the request threads keep busy; side by
   * side on one day the Redis backend measured 0.40x pinned throughout and 0.41x this way, within
   * noise, but the compiler was seen at half of the one core 28 s into a pinned warm-up.
   *
   * <p>The last {@link #FULL_LOAD_WARMUP_SHARE} of the warm-up then runs at the measured 64, whose
   * contended paths (locks, queues) the compiler has not seen yet and compiles anew; measured runs
   * then see the steady state a long-running server is in.
   */
  static final int WARMUP_CONNECTIONS = 2;

  static final double FULL_LOAD_WARMUP_SHARE = 0.4;
  static final int USERS = 10_000;
  static final String POLICY =
      "{\"rateLimits\":[{\"limit\":1000000000,\"window\":\"PT1M\"}],\"budget\":{\"currency\":\"USD\",\"daily\":\"1000000\"}}";

  private HttpBench() {}

  public static void run(Profile profile, Path results) throws IOException, InterruptedException {
    Path jar = Path.of(System.getProperty("bench.server.jar", "quota-server/target/quota-server.jar"));
    String serverCore = System.getProperty("bench.http.serverCore", "0");
    String wrkCore = System.getProperty("bench.http.wrkCore", "1");
    String warmupCores = System.getProperty("bench.http.warmupCores", serverCore + "," + wrkCore);
    String redisUrl = "redis://" + System.getProperty("bench.redis.host", "127.0.0.1") + ":"
        + Integer.getInteger("bench.redis.port", 6379);
    String postgres = System.getProperty("bench.postgres.url", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
    Path scripts = extractScripts();
    Wrk wrk = new Wrk(wrkCore, CONNECTIONS, scripts);

    List<Map<String, Object>> backends = new ArrayList<>();
    backends.add(backend(profile, jar, serverCore, warmupCores, wrk, "memory", "embedded H2 in the data directory", null, null));
    String schema = "bench_http_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    String database = postgres + (postgres.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    try {
      backends.add(backend(profile, jar, serverCore, warmupCores, wrk, "redis", "PostgreSQL, schema of its own (dropped afterwards)",
          redisUrl, database));
    } finally {
      dropSchema(postgres, schema);
    }

    Map<String, Object> out = new LinkedHashMap<>();
    out.put("serverCore", serverCore);
    out.put("wrkCore", wrkCore);
    out.put("warmupCores", warmupCores);
    out.put("connections", CONNECTIONS);
    out.put("wrkThreads", 1);
    out.put("warmupSeconds", profile.httpWarmupSeconds());
    out.put("warmupConnections", WARMUP_CONNECTIONS);
    out.put("warmupSecondsAtFullLoad", (int) Math.round(profile.httpWarmupSeconds() * FULL_LOAD_WARMUP_SHARE));
    out.put("roundSeconds", profile.httpRoundSeconds());
    out.put("users", USERS);
    out.put("policy", POLICY);
    out.put("trivialEndpoint", "GET /v1/whoami");
    out.put("backends", backends);
    JSON.writeValue(results.resolve("http.json").toFile(), out);
  }

  private static Map<String, Object> backend(Profile profile, Path jar, String core, String warmupCores, Wrk wrk, String name,
      String database, String redisUrl, String databaseUrl) throws IOException, InterruptedException {
    Map<String, Object> b = new LinkedHashMap<>();
    b.put("backend", name);
    b.put("database", database);
    String prefix = "bench-http-" + UUID.randomUUID().toString().substring(0, 8) + ":";
    List<Map<String, Object>> rows = new ArrayList<>();
    long reservations = 0;
    String key = "bench-" + UUID.randomUUID();
    // Redis's CPU per request, read as section B reads it; the server's comes from /proc.
    RedisClient redisClient = redisUrl == null ? null : RedisClient.create(redisUrl);
    StatefulRedisConnection<String, String> redisConnection = redisClient == null ? null : redisClient.connect();
    RedisAdmin redis = redisConnection == null ? null : new RedisAdmin(redisConnection.sync(), false);
    try (QuotaServerProcess server = QuotaServerProcess.start(jar, core, redisUrl, prefix, databaseUrl, key)) {
      server.send("PUT", "/v1/policies/user:*?reason=benchmark", POLICY);
      String url = "http://127.0.0.1:" + server.port;
      Map<String, String> env = Map.of("QUOTA_BENCH_KEY", key, "QUOTA_BENCH_USERS", Integer.toString(USERS));
      // Warm-up: the JIT compiles both paths before anything is measured, on both cores so that
      // its compiler threads are not starved by the request threads; measured runs are on one.
      server.pinTo(warmupCores);
      int fullLoad = (int) Math.round(profile.httpWarmupSeconds() * FULL_LOAD_WARMUP_SHARE);
      int light = profile.httpWarmupSeconds() - fullLoad;
      for (String script : List.of("whoami.lua", "reservations.lua")) {
        long warmed = wrk.run(script, url, light, WARMUP_CONNECTIONS, env).requests()
            + wrk.run(script, url, fullLoad, env).requests();
        if (script.equals("reservations.lua")) {
          reservations += warmed;
        }
      }
      server.pinTo(core);
      for (int round = 0; round < profile.httpRounds(); round++) {
        String[] order = round % 2 == 0 ? new String[] {"whoami", "reservations"} : new String[] {"reservations", "whoami"};
        for (String endpoint : order) {
          CpuMeter.Sample cpuBefore = CpuMeter.take(server.pid());
          long redisBefore = redis == null ? 0 : redis.cpuMicros();
          Wrk.Result r = wrk.run(endpoint + ".lua", url, profile.httpRoundSeconds(), env);
          CpuMeter.Usage cpu = CpuMeter.between(cpuBefore, CpuMeter.take(server.pid()));
          long redisMicros = redis == null ? -1 : redis.cpuMicros() - redisBefore;
          if (endpoint.equals("reservations")) {
            reservations += r.requests();
          }
          Map<String, Object> row = r.asMap();
          row.put("endpoint", endpoint.equals("whoami") ? "GET /v1/whoami" : "POST /v1/reservations");
          row.put("round", round + 1);
          // Redis's figure includes the two INFO calls around the run: noise against thousands of requests.
          row.put("serverCpuMicros", cpu.processMicros());
          row.put("redisCpuMicros", redisMicros);
          row.put("coreBusy", cpu.coreBusyShare());
          rows.add(row);
        }
      }
    } catch (RuntimeException e) {
      b.put("error", e.getMessage());
    } finally {
      if (redisConnection != null) {
        redisConnection.close();
        redisClient.shutdown();
      }
      if (redisUrl != null) {
        deleteRedisKeys(redisUrl, prefix);
      }
    }
    b.put("reservationsHeldAtEnd", reservations);
    b.put("rows", rows);
    return b;
  }

  private static Path extractScripts() throws IOException {
    Path dir = Files.createTempDirectory("quota-wrk");
    dir.toFile().deleteOnExit();
    for (String name : List.of("report.lua", "whoami.lua", "reservations.lua")) {
      try (InputStream in = HttpBench.class.getResourceAsStream("/wrk/" + name)) {
        if (in == null) {
          throw new IllegalStateException("wrk script " + name + " is missing from the classpath");
        }
        Path p = dir.resolve(name);
        Files.writeString(p, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        p.toFile().deleteOnExit();
      }
    }
    return dir;
  }

  private static void dropSchema(String postgres, String schema) {
    try (Connection c = DriverManager.getConnection(postgres); Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    } catch (SQLException e) {
      System.err.println("could not drop schema " + schema + ": " + e.getMessage());
    }
  }

  private static void deleteRedisKeys(String url, String prefix) {
    RedisClient client = RedisClient.create(url);
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      new RedisAdmin(c.sync(), false).deleteMatching(prefix + "*");
    } catch (RuntimeException e) {
      System.err.println("could not delete Redis keys under " + prefix + ": " + e.getMessage());
    } finally {
      client.shutdown();
    }
  }
}
