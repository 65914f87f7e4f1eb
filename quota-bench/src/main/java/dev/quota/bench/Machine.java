package dev.quota.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the report says about where and how it was measured. */
final class Machine {
  private Machine() {}

  static Map<String, Object> describe(String profile) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("profile", profile);
    m.put("started", Instant.now().toString());
    m.put("command", System.getProperty("bench.command", "(not given)"));
    m.put("gitCommit", System.getProperty("bench.commit", "(not given)"));
    m.put("cpu", cpuModel());
    m.put("cores", cores());
    m.put("memoryGiB", memoryGiB());
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    m.put("loadAverageAtStart", loadAverage());
    m.put("redis", System.getProperty("bench.redis.note", ""));
    m.put("pinning", System.getProperty("bench.pinning", "none"));
    return m;
  }

  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  /** Cores of the machine, not of this process: the Redis step runs pinned to fewer. */
  private static long cores() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("processor")).count();
    } catch (IOException e) {
      return Runtime.getRuntime().availableProcessors();
    }
  }

  private static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException e) {
      // fall through
    }
    return System.getProperty("os.arch");
  }

  private static String memoryGiB() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
          return String.format("%.1f", kb / 1024.0 / 1024.0);
        }
      }
    } catch (IOException | RuntimeException e) {
      // fall through
    }
    return "unknown";
  }
}
