package dev.quota.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private redis-server on a spare loopback port, without persistence, and a connection a test can
 * inspect or disturb it through ({@link #admin}); both stopped by the test that started them.
 */
final class RedisServerProcess implements AutoCloseable {
  final int port;
  private final List<String> options;
  private Process process;
  private boolean paused;
  private RedisClient adminClient;
  private StatefulRedisConnection<String, String> adminConnection;

  RedisServerProcess() throws IOException {
    this(List.of());
  }

  /** With extra redis-server options, e.g. {@code --rename-command FCALL ""}. */
  RedisServerProcess(List<String> options) throws IOException {
    this.options = options;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    start();
  }

  String uri() {
    return "redis://127.0.0.1:" + port;
  }

  /** Commands on a connection of the test's own (opened at first use; it reconnects after a restart). */
  RedisCommands<String, String> admin() {
    if (adminConnection == null) {
      adminClient = RedisClient.create(uri());
      adminConnection = adminClient.connect();
    }
    return adminConnection.sync();
  }

  void start() throws IOException {
    List<String> command = new java.util.ArrayList<>(List.of("redis-server", "--port", Integer.toString(port),
        "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--enable-debug-command", "yes"));
    command.addAll(options);
    process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            // beside the test reports (removed with the build), not left in the system's temp directory
            .redirectOutput(new File("target", "redis-test-" + port + ".log"))
            .start();
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

  /**
   * Freezes the server (SIGSTOP): connections stay open and calls go unanswered, as with a Redis
   * that hangs, until {@link #resume}; then it runs what it was sent meanwhile.
   */
  void pause() throws IOException, InterruptedException {
    signal("STOP");
    paused = true;
  }

  void resume() throws IOException, InterruptedException {
    signal("CONT");
    paused = false;
  }

  private void signal(String name) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
    if (kill.waitFor() != 0) {
      throw new IOException("kill -" + name + " " + process.pid() + " failed");
    }
  }

  void stop() throws InterruptedException {
    if (paused) { // a frozen process would hold its SIGTERM until it is resumed
      try {
        resume();
      } catch (IOException e) {
        process.destroyForcibly();
      }
    }
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (adminConnection != null) {
      adminConnection.close();
      adminClient.shutdown();
    }
    stop();
  }
}
