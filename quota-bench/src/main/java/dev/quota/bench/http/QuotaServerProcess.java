package dev.quota.bench.http;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real server, started from its fat jar in a process of its own (pinned to one core), on a
 * spare loopback port, with a data directory that is deleted afterwards.
 */
final class QuotaServerProcess implements AutoCloseable {
  private final Process process;
  private final Path dataDir;
  private final Path log;
  final int port;
  final String adminKey;

  private QuotaServerProcess(Process process, Path dataDir, Path log, int port, String adminKey) {
    this.process = process;
    this.dataDir = dataDir;
    this.log = log;
    this.port = port;
    this.adminKey = adminKey;
  }

  /**
   * Starts {@code serve} and waits until it answers.
   *
   * @param redisUrl null for memory counters
   * @param redisPrefix key prefix on Redis (ignored without Redis)
   * @param databaseUrl null for the embedded H2 database in the data directory
   */
  static QuotaServerProcess start(Path jar, String core, String redisUrl, String redisPrefix, String databaseUrl, String adminKey)
      throws IOException, InterruptedException {
    int port = sparePort();
    Path dataDir = Files.createTempDirectory("quota-http-bench");
    Path log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
    List<String> cmd = new ArrayList<>(List.of("taskset", "-c", core, javaBinary(), "-Xms1g", "-Xmx1g",
        "-jar", jar.toString(), "serve", "--port", Integer.toString(port), "--data-dir", dataDir.toString()));
    if (redisUrl != null) {
      cmd.add("--redis");
      cmd.add(redisUrl);
    }
    if (databaseUrl != null) {
      cmd.add("--database");
      cmd.add(databaseUrl);
    }
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("QUOTA_ADMIN_KEY", adminKey);
    pb.environment().put("QUOTA_REDIS_PREFIX", redisPrefix);
    pb.environment().remove("QUOTA_CONFIG");
    QuotaServerProcess server = new QuotaServerProcess(pb.start(), dataDir, log, port, adminKey);
    server.awaitLive();
    return server;
  }

  private void awaitLive() throws IOException, InterruptedException {
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("quota-server exited with " + process.exitValue() + ": " + Files.readString(log));
      }
      try {
        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(uri("/health/live")).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(200); // waiting for another process to start, not for time to pass in a test
    }
    close();
    throw new IllegalStateException("quota-server did not answer within 120 s: " + Files.readString(log));
  }

  /**
   * Moves every thread of the server to {@code cores} (a {@code taskset} list such as {@code 0} or
   * {@code 0,1}); threads it starts later inherit the mask of the thread that starts them.
   */
  void pinTo(String cores) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("taskset", "-a", "-p", "-c", cores, Long.toString(pid()))
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException("taskset could not move the server to cores " + cores + ": " + out);
    }
  }

  /** The server JVM's process id: {@code taskset} execs the JVM, so it is the started process's. */
  long pid() {
    return process.pid();
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  /** Sends an authenticated JSON request and fails unless it succeeds. */
  String send(String method, String path, String json) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10))
        .header("Authorization", "Bearer " + adminKey).header("Content-Type", "application/json")
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    HttpResponse<String> r = HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() / 100 != 2) {
      throw new IllegalStateException(method + " " + path + " answered " + r.statusCode() + ": " + r.body());
    }
    return r.body();
  }

  @Override
  public void close() throws IOException, InterruptedException {
    process.destroy(); // SIGTERM: the server shuts down gracefully
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    deleteTree(dataDir);
    Files.deleteIfExists(log);
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static int sparePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static String javaBinary() {
    return ProcessHandle.current().info().command().orElse("java");
  }
}
