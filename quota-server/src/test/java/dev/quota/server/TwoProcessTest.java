package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.redis.RedisStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Two server processes (separate JVMs started with {@code quota serve}) on one Redis (own key
 * prefix) and one PostgreSQL (own schema) enforce one limit exactly: 200 concurrent reservations
 * split across both against a limit of 50 admit exactly 50. A policy set through one process
 * reaches the other through the shared database.
 */
class TwoProcessTest {
  static final String REDIS = "redis://127.0.0.1:6379";
  static final Pattern LISTENING = Pattern.compile("Quota is listening on (http://127\\.0\\.0\\.1:\\d+)");

  /** One {@code quota serve} child process and the base URL it reported. */
  record Child(Process process, String url, StringBuffer output) {
    void stop() throws InterruptedException {
      process.destroy(); // SIGTERM: the graceful shutdown path
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void twoProcessesAdmitExactlyTheLimit() throws Exception {
    PostgresSchema schema = new PostgresSchema();
    String prefix = "qs-2p-" + UUID.randomUUID().toString().substring(0, 8) + ":";
    String database = schema.url();
    Path dirs = Files.createTempDirectory("quota-two-process");
    List<Child> children = new ArrayList<>();
    try {
      // One after the other: the first creates the schema, so the two never race to migrate it.
      children.add(launch(dirs.resolve("a"), prefix, database));
      children.add(launch(dirs.resolve("b"), prefix, database));
      Api a = new Api(children.get(0).url(), TestServer.ADMIN_KEY);
      Api b = new Api(children.get(1).url(), TestServer.ADMIN_KEY);
      assertThat(children.get(0).process().pid()).isNotEqualTo(children.get(1).process().pid());

      assertThat(a.put("/v1/policies/team:shared", "{\"rateLimits\":[{\"limit\":50,\"window\":\"PT1H\"}]}").status()).isEqualTo(201);
      awaitPolicy(b);

      ExecutorService pool = Executors.newFixedThreadPool(16);
      try {
        List<Future<Api.Response>> calls = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
          Api via = i % 2 == 0 ? a : b;
          calls.add(pool.submit(() -> via.post("/v1/reservations", "{\"subjects\":{\"team\":\"shared\"}}")));
        }
        int admitted = 0;
        int denied = 0;
        List<String> other = new ArrayList<>();
        for (Future<Api.Response> f : calls) {
          Api.Response r = f.get(60, TimeUnit.SECONDS);
          if (r.status() == 201) {
            admitted++;
          } else if (r.status() == 429) {
            denied++;
          } else {
            other.add(r.toString());
          }
        }
        assertThat(other).as(children.get(0).output() + "\n----\n" + children.get(1).output()).isEmpty();
        assertThat(admitted).isEqualTo(50);
        assertThat(denied).isEqualTo(150);
      } finally {
        pool.shutdownNow();
      }
      assertThat(a.get("/v1/usage/team/shared").json().get("limits").get(0).get("used").asLong()).isEqualTo(50);
      assertThat(b.get("/v1/usage/team/shared").json().get("limits").get(0).get("used").asLong()).isEqualTo(50);
    } finally {
      for (Child c : children) {
        c.stop();
      }
      schema.drop();
      try (RedisStore store = RedisStore.builder().uri(REDIS).prefix(prefix).build()) {
        store.deleteAll();
      }
    }
  }

  /** Starts {@code quota serve --port 0} in its own JVM and waits for the port it reports. */
  private static Child launch(Path dataDir, String prefix, String database) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // Surefire runs tests from a manifest-only jar; the real classpath is in this property.
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-cp", cp, "dev.quota.server.cli.Main", "serve", "--port", "0", "--data-dir", dataDir.toString(),
        "--redis", REDIS, "--database", database);
    pb.environment().put("QUOTA_ADMIN_KEY", TestServer.ADMIN_KEY);
    pb.environment().put("QUOTA_REDIS_PREFIX", prefix);
    pb.environment().remove("QUOTA_CONFIG");
    pb.redirectErrorStream(true);
    Process p = pb.start();
    StringBuffer output = new StringBuffer();
    CompletableFuture<String> url = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          output.append(line).append('\n');
          Matcher m = LISTENING.matcher(line);
          if (m.find()) {
            url.complete(m.group(1));
          }
        }
      } catch (IOException e) {
        // the process ended
      }
      url.completeExceptionally(new IllegalStateException("the server process ended before listening:\n" + output));
    }, "child-output");
    reader.setDaemon(true);
    reader.start();
    try {
      return new Child(p, url.get(60, TimeUnit.SECONDS), output);
    } catch (Exception e) {
      p.destroyForcibly();
      throw new AssertionError("server process did not start: " + output, e);
    }
  }

  /** The other process reloads policies from the database every 2 s; wait (bounded) until it has. */
  private static void awaitPolicy(Api b) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (System.nanoTime() < deadline) {
      Api.Response r = b.get("/v1/usage/team/shared");
      if (r.status() == 200 && r.json().get("limits").size() == 1) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("the second process never loaded the policy");
  }
}
