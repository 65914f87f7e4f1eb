package dev.quota.bench.report;

import com.fasterxml.jackson.databind.JsonNode;

/** Sections B and E (Redis side) of the report. */
final class RedisSection {
  private RedisSection() {}

  static void render(StringBuilder md, JsonNode redis, Targets targets) {
    md.append("## B. Redis\n\n");
    if (redis == null) {
      md.append("Not run.\n\n");
      targets.add("Redis, 3-subject decision at 64 in flight: at least 2x Bucket4j-lettuce", "not run", null, "");
      targets.add("Redis, hot key: at least 50x Bucket4j compare-and-swap", "not run", null, "");
    }
  }

  static void memory(StringBuilder md, JsonNode redisMemory, Targets targets) {
    md.append("### Redis bytes per (subject, limit)\n\n");
    if (redisMemory == null) {
      md.append("Not run.\n\n");
      targets.add("Redis memory: at most 200 B per (subject, limit)", "not run", null, "");
    }
  }
}
