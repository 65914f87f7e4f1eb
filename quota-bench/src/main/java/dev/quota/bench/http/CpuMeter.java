package dev.quota.bench.http;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CPU time read from Linux's {@code /proc}: how busy each core was, and how much CPU one process
 * used, between two samples. Requests per second say how fast the server answered; these say which
 * core held it back. The server and wrk each have a core of their own, so a run whose server core
 * was not busy throughout waited on the other core (wrk, and on the Redis backend redis-server too).
 *
 * <p>Both files count in clock ticks ({@code USER_HZ}, 100 a second on Linux), so over a run of
 * seconds a share is exact to about a percent.
 */
final class CpuMeter {
  /** Linux's {@code USER_HZ}: fixed at 100 for user space on every architecture it runs on. */
  static final long TICKS_PER_SECOND = 100;

  /**
   * @param coreBusy per core, ticks spent on anything but idling and waiting for I/O
   * @param coreAll per core, all ticks
   * @param processTicks the process's user and system ticks, -1 if it could not be read
   */
  record Sample(long[] coreBusy, long[] coreAll, long processTicks) {}

  /** What happened between two samples. */
  record Usage(double[] coreBusyShare, long processMicros) {}

  private CpuMeter() {}

  static Sample take(long pid) throws IOException {
    Sample cores = cores(Files.readAllLines(Path.of("/proc/stat")));
    long process;
    try {
      process = processTicks(Files.readString(Path.of("/proc/" + pid + "/stat")));
    } catch (IOException e) {
      process = -1; // the process has gone: its figure is left out, the cores' still count
    }
    return new Sample(cores.coreBusy(), cores.coreAll(), process);
  }

  static Usage between(Sample before, Sample after) {
    int n = Math.min(before.coreAll().length, after.coreAll().length);
    double[] busy = new double[n];
    for (int c = 0; c < n; c++) {
      long all = after.coreAll()[c] - before.coreAll()[c];
      busy[c] = all <= 0 ? 0 : (double) (after.coreBusy()[c] - before.coreBusy()[c]) / all;
    }
    long micros = before.processTicks() < 0 || after.processTicks() < 0
        ? -1
        : (after.processTicks() - before.processTicks()) * (1_000_000 / TICKS_PER_SECOND);
    return new Usage(busy, micros);
  }

  /**
   * The per-core lines of {@code /proc/stat} ({@code cpuN user nice system idle iowait irq softirq
   * steal ...}): idle and iowait are not busy, the rest is. Guest time is already in user time.
   */
  static Sample cores(List<String> procStat) {
    List<long[]> lines = procStat.stream()
        .filter(l -> l.startsWith("cpu") && l.length() > 3 && Character.isDigit(l.charAt(3)))
        .map(CpuMeter::numbers)
        .toList();
    long[] busy = new long[lines.size()];
    long[] all = new long[lines.size()];
    for (int c = 0; c < lines.size(); c++) {
      long[] f = lines.get(c);
      long total = 0;
      for (int i = 0; i < Math.min(f.length, 8); i++) { // user .. steal; guest fields repeat user time
        total += f[i];
      }
      long idle = f[3] + (f.length > 4 ? f[4] : 0);
      busy[c] = total - idle;
      all[c] = total;
    }
    return new Sample(busy, all, -1);
  }

  /**
   * utime + stime from {@code /proc/<pid>/stat}, fields 14 and 15. The command name (field 2) is
   * in parentheses and may hold spaces, so fields are counted from after its closing parenthesis.
   */
  static long processTicks(String stat) {
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
    // f[0] is field 3 (state): utime is field 14, at f[11]; stime at f[12]
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  private static long[] numbers(String line) {
    String[] parts = line.trim().split("\\s+");
    long[] n = new long[parts.length - 1];
    for (int i = 1; i < parts.length; i++) {
      n[i - 1] = Long.parseLong(parts[i]);
    }
    return n;
  }
}
