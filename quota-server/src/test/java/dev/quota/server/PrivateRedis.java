package dev.quota.server;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A redis-server of a test's own, without persistence, on a spare loopback port, for tests that
 * stop it under a running server; {@link #close} makes sure it is gone.
 */
final class PrivateRedis implements AutoCloseable {
  private final int port;
  private volatile Process process;

  private PrivateRedis(int port, Process process) {
    this.port = port;
    this.process = process;
  }

  static PrivateRedis start() throws IOException {
    int port = sparePort();
    PrivateRedis redis = new PrivateRedis(port, launch(port));
    try {
      redis.awaitListening();
    } catch (IOException e) {
      redis.close();
      throw e;
    }
    return redis;
  }

  private static Process launch(int port) throws IOException {
    return new ProcessBuilder(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no"))
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(
            new File("target", "private-redis-" + port + ".log"))) // beside the reports, not left in the system's temp
        .start();
  }

  /**
   * Kills the server (SIGKILL) and starts another on the same port, with nothing in it, as a Redis
   * without persistence comes back from a crash; returns once it listens.
   */
  void restartEmpty() throws IOException, InterruptedException {
    if (!process.destroyForcibly().waitFor(10, TimeUnit.SECONDS)) {
      throw new IllegalStateException("redis-server on port " + port + " did not die");
    }
    process = launch(port);
    awaitListening();
  }

  String url() {
    return "redis://127.0.0.1:" + port;
  }

  /**
   * Freezes the server (SIGSTOP): connections stay open and calls go unanswered, as with a Redis
   * that hangs, until {@link #resume}; then it runs what it was sent meanwhile.
   */
  void pause() throws IOException, InterruptedException {
    signal("STOP");
  }

  void resume() throws IOException, InterruptedException {
    signal("CONT");
  }

  private void signal(String name) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
    if (kill.waitFor() != 0) {
      throw new IOException("kill -" + name + " " + process.pid() + " failed");
    }
  }

  /**
   * Sets the server's memory limit, without eviction: {@code "1"} makes it refuse every command
   * that may write, as a full Redis does; {@code "0"} lifts the limit.
   */
  void maxMemory(String bytes) {
    try (io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create(url());
        io.lettuce.core.api.StatefulRedisConnection<String, String> c = client.connect()) {
      c.sync().configSet("maxmemory-policy", "noeviction");
      c.sync().configSet("maxmemory", bytes);
    }
  }

  /** Sets one of the server's configuration parameters (CONFIG SET). */
  void config(String name, String value) {
    try (io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create(url());
        io.lettuce.core.api.StatefulRedisConnection<String, String> c = client.connect()) {
      c.sync().configSet(name, value);
    }
  }

  /** Stops the server as an outage would, and waits until it is gone. */
  void stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      throw new IllegalStateException("redis-server on port " + port + " did not stop");
    }
  }

  @Override
  public void close() {
    try {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static int sparePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private void awaitListening() throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        Thread.onSpinWait();
      }
    }
    throw new IOException("redis-server did not start on port " + port);
  }
}
