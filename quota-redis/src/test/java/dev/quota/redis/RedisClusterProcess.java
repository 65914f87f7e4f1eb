package dev.quota.redis;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private three-master Redis Cluster on spare loopback ports, without persistence, in its own
 * temporary directory; {@link #close()} shuts every node down and deletes the directory. Public
 * for the server's tests, which run a server on it.
 */
public final class RedisClusterProcess implements AutoCloseable {
  final List<Integer> ports = new ArrayList<>();
  private final List<Integer> buses = new ArrayList<>();
  private final Path dir;

  public RedisClusterProcess() throws IOException, InterruptedException {
    dir = Files.createTempDirectory("quota-redis-cluster-");
    try {
      List<Integer> spare = sparePorts(6);
      for (int i = 0; i < 3; i++) {
        int port = spare.get(i);
        int bus = spare.get(3 + i); // explicit: port + 10000 may lie beyond 65535
        ports.add(port);
        buses.add(bus);
        startNode(i);
      }
      for (int port : ports) {
        awaitReply(port, "PING", "PONG");
      }
      List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
      ports.forEach(p -> create.add("127.0.0.1:" + p));
      create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
      run(create.toArray(String[]::new));
      for (int port : ports) {
        awaitReply(port, "CLUSTER INFO", "cluster_state:ok");
      }
    } catch (IOException | InterruptedException | RuntimeException e) {
      close();
      throw e;
    }
  }

  private void startNode(int i) throws IOException, InterruptedException {
    int port = ports.get(i);
    run("redis-server", "--port", "" + port, "--cluster-enabled", "yes", "--cluster-port", "" + buses.get(i),
        "--cluster-config-file", dir.resolve("nodes-" + port + ".conf").toString(), "--dir", dir.toString(),
        "--save", "", "--appendonly", "no", "--daemonize", "yes", "--bind", "127.0.0.1",
        "--pidfile", dir.resolve(port + ".pid").toString(), "--logfile", dir.resolve(port + ".log").toString());
  }

  /**
   * Stops node {@code i} without saving and starts it again: it comes back owning the same slots
   * (its cluster configuration file keeps them) but holding none of their keys, as a master
   * restarted without persistence does.
   */
  void restartNode(int i) throws IOException, InterruptedException {
    int port = ports.get(i);
    try {
      cli(port, "SHUTDOWN", "NOSAVE");
    } catch (IOException alreadyDown) {
      // redis-cli reports the dropped connection of a successful shutdown on some versions
    }
    startNode(i);
    for (int p : ports) {
      awaitReply(p, "CLUSTER INFO", "cluster_state:ok");
    }
  }

  /** The cluster as the store and the server take it: {@code redis-cluster://} and two of its nodes. */
  public String uri() {
    return "redis-cluster://127.0.0.1:" + ports.get(0) + ",127.0.0.1:" + ports.get(1);
  }

  /** Runs a redis-cli command against one node and returns its output. */
  String cli(int port, String... command) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("redis-cli", "-p", "" + port));
    cmd.addAll(List.of(command));
    return run(cmd.toArray(String[]::new));
  }

  private void awaitReply(int port, String command, String expected) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    String last = "";
    while (System.nanoTime() < deadline) {
      try {
        last = cli(port, command.split(" "));
      } catch (IOException notListeningYet) { // a daemonized node may answer a moment after it forked
        last = notListeningYet.getMessage();
        continue;
      }
      if (last.contains(expected)) {
        return;
      }
      Thread.onSpinWait();
    }
    throw new IOException("node " + port + " never answered " + expected + " to " + command + ": " + last);
  }

  private static String run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + out);
    }
    return out;
  }

  private static List<Integer> sparePorts(int n) throws IOException {
    List<ServerSocket> held = new ArrayList<>();
    try {
      List<Integer> ports = new ArrayList<>();
      while (ports.size() < n) {
        ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        held.add(s);
        ports.add(s.getLocalPort());
      }
      return ports;
    } finally {
      for (ServerSocket s : held) {
        s.close();
      }
    }
  }

  @Override
  public void close() throws IOException, InterruptedException {
    for (int port : ports) {
      try {
        cli(port, "SHUTDOWN", "NOSAVE");
      } catch (IOException alreadyDown) {
        // redis-cli reports the dropped connection of a successful shutdown on some versions
      }
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
