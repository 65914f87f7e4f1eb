package dev.quota.redis;

import io.lettuce.core.api.sync.RedisCommands;
import java.util.Map;
import java.util.TreeMap;

/** Redis's own count of calls per command ({@code INFO commandstats}), for tests that count commands. */
final class CommandStats {
  private CommandStats() {}

  /** Calls per command so far, except INFO itself (which reading them issues). */
  static Map<String, Long> calls(RedisCommands<String, String> redis) {
    Map<String, Long> calls = new TreeMap<>();
    for (String line : redis.info("commandstats").split("\r?\n")) {
      if (line.startsWith("cmdstat_") && !line.startsWith("cmdstat_info:")) {
        String name = line.substring("cmdstat_".length(), line.indexOf(':'));
        String count = line.substring(line.indexOf("calls=") + 6, line.indexOf(','));
        calls.put(name, Long.parseLong(count));
      }
    }
    return calls;
  }
}
