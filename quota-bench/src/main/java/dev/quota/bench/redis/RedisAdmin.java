package dev.quota.bench.redis;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.Map;
import java.util.TreeMap;

/** What the benchmark asks Redis about itself: command counts and memory. */
public final class RedisAdmin {
  private final RedisCommands<String, String> redis;
  /** Only on a private server may the benchmark reset its statistics. */
  final boolean privateServer;

  public RedisAdmin(RedisCommands<String, String> redis, boolean privateServer) {
    this.redis = redis;
    this.privateServer = privateServer;
  }

  /** Calls per command since the last reset (or since start, on a shared server). */
  Map<String, Long> commandCalls() {
    Map<String, Long> calls = new TreeMap<>();
    for (String line : redis.info("commandstats").split("\r?\n")) {
      if (line.startsWith("cmdstat_")) {
        String name = line.substring(8, line.indexOf(':'));
        String stats = line.substring(line.indexOf(':') + 1);
        for (String kv : stats.split(",")) {
          if (kv.startsWith("calls=")) {
            calls.put(name, Long.parseLong(kv.substring(6)));
          }
        }
      }
    }
    return calls;
  }

  /**
   * The server's CPU time so far, user and system, in microseconds ({@code INFO cpu}): what its
   * work cost, whoever waited for it, so a client's own speed does not enter it.
   */
  public long cpuMicros() {
    double seconds = 0;
    for (String line : redis.info("cpu").split("\r?\n")) {
      if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) {
        seconds += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    return Math.round(seconds * 1e6);
  }

  void resetStats() {
    if (privateServer) {
      redis.configResetstat();
    }
  }

  /** Calls made between two snapshots, without the benchmark's own INFO and CONFIG calls. */
  static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
    Map<String, Long> d = new TreeMap<>();
    after.forEach((k, v) -> {
      long n = v - before.getOrDefault(k, 0L);
      if (n > 0 && !k.equals("info") && !k.startsWith("config")) {
        d.put(k, n);
      }
    });
    return d;
  }

  long usedMemory() {
    for (String line : redis.info("memory").split("\r?\n")) {
      if (line.startsWith("used_memory:")) {
        return Long.parseLong(line.substring(12).trim());
      }
    }
    throw new IllegalStateException("no used_memory in INFO memory");
  }

  /** MEMORY USAGE of up to {@code sample} keys matching {@code pattern}: {count, total bytes}. */
  long[] sampleMemoryUsage(String pattern, int sample) {
    long count = 0;
    long bytes = 0;
    ScanCursor cursor = ScanCursor.INITIAL;
    do {
      KeyScanCursor<String> page = redis.scan(cursor, ScanArgs.Builder.matches(pattern).limit(1000));
      for (String k : page.getKeys()) {
        Long b = redis.memoryUsage(k);
        if (b != null) {
          count++;
          bytes += b;
        }
        if (count >= sample) {
          return new long[] {count, bytes};
        }
      }
      cursor = page;
    } while (!cursor.isFinished());
    return new long[] {count, bytes};
  }

  /** Unlinks every key matching {@code pattern}; never FLUSHALL, the server may be shared. */
  public long deleteMatching(String pattern) {
    long n = 0;
    ScanCursor cursor = ScanCursor.INITIAL;
    do {
      KeyScanCursor<String> page = redis.scan(cursor, ScanArgs.Builder.matches(pattern).limit(1000));
      if (!page.getKeys().isEmpty()) {
        n += redis.unlink(page.getKeys().toArray(String[]::new));
      }
      cursor = page;
    } while (!cursor.isFinished());
    return n;
  }
}
