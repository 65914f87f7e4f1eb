package dev.quota.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code quota serve --port 0} in a JVM of its own, started from the test's classpath as an
 * operator starts it, with the test's admin key: so that tests can run several servers as separate
 * processes, and end one as SIGTERM does ({@link #stop}) or as SIGKILL does ({@link #kill}).
 */
public final class ServerProcess implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("Quota is listening on (http://127\\.0\\.0\\.1:\\d+)");

  private final Process process;
  private final String url;
  private final StringBuffer output;

  private ServerProcess(Process process, String url, StringBuffer output) {
    this.process = process;
    this.url = url;
    this.output = output;
  }

  /**
   * Starts a server on {@code dataDir} with {@code env} added to this process's environment and
   * {@code args} after {@code serve --port 0 --data-dir DIR}, and waits (up to a minute) for the
   * port it reports.
   */
  public static ServerProcess launch(Path dataDir, Map<String, String> env, String... args) throws Exception {
    ProcessBuilder pb = builder(dataDir, env, args);
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
      return new ServerProcess(p, url.get(60, TimeUnit.SECONDS), output);
    } catch (Exception e) {
      p.destroyForcibly();
      throw new AssertionError("server process did not start: " + output, e);
    }
  }

  /**
   * The process {@link #launch} starts, not started yet: for a test that watches it otherwise (its
   * output apart, or before it listens).
   */
  public static ProcessBuilder builder(Path dataDir, Map<String, String> env, String... args) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // Surefire runs tests from a manifest-only jar; the real classpath is in this property.
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-cp", cp, "dev.quota.server.cli.Main", "serve", "--port", "0", "--data-dir", dataDir.toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("QUOTA_ADMIN_KEY", TestServer.ADMIN_KEY);
    pb.environment().remove("QUOTA_CONFIG");
    pb.environment().putAll(env);
    return pb;
  }

  public String url() {
    return url;
  }

  public Api admin() {
    return new Api(url, TestServer.ADMIN_KEY);
  }

  public long pid() {
    return process.pid();
  }

  /** What the process printed so far, for assertion messages. */
  public String output() {
    return output.toString();
  }

  /** SIGTERM, the graceful shutdown path; SIGKILL if it has not ended within 20 s. */
  public void stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      kill();
    }
  }

  /** SIGKILL (on Linux): no shutdown hook runs, nothing is flushed or closed. Waits until the process is gone. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      throw new AssertionError("server process " + process.pid() + " did not end after SIGKILL");
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      stop();
    }
  }
}
