package dev.quota.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Sections B and E (Redis side) of the report. */
final class RedisSection {
  private RedisSection() {}

  static void render(StringBuilder md, JsonNode redis, Targets targets) {
    md.append("## B. Redis\n\n");
    if (redis == null) {
      md.append("Not run.\n\n");
      targets.add("Redis, 3-subject decision at 64 in flight: at least 2x Bucket4j-lettuce", "not run", null, "");
      targets.add("Redis, hot key: at least 50x Bucket4j compare-and-swap", "not run", null, "");
      return;
    }
    boolean quota = redis.path("quotaStoreAvailable").asBoolean();
    md.append("Closed-loop threads (\"in flight\") make synchronous decisions over one shared, multiplexed connection "
        + "per client. A request names one subject (a user) or three (user, team, project; 100 teams and 1,000 "
        + "projects among 10,000 users); each subject has one limit of 10^9 per minute, so nothing is denied. "
        + "`quota` is `Quota.reserve` on Quota's Redis store (one Lua script run per decision; reservations are "
        + "left to expire). `bucket4j` is Bucket4j 8.19 on Lettuce (compare-and-swap), one bucket per subject "
        + "tried in turn; `bucket4j-batching` adds its batching optimisation (one proxy per key, so concurrent "
        + "requests for a key are merged). The ceiling is `redis-benchmark` running a one-`INCR` script by "
        + "EVALSHA. Commands per decision come from `INFO commandstats` over the measured period, and Redis's CPU "
        + "time per decision (user and system, from `INFO cpu`) is what the server spent on each decision whoever "
        + "waited for it: unlike decisions/s it does not depend on how fast a client keeps Redis busy."
        + (redis.path("privateServer").asBoolean() ? "" : " The server was shared, so command counts and CPU time include other clients'.")
        + "\n\n");
    if (!quota) {
      md.append("**Quota's Redis store was not in this build**, so only the peers and the ceiling were measured.\n\n");
    }
    md.append("| keys | subjects | in flight | client | decisions/s | p50 µs | p99 µs | Redis commands per decision (incl. inside scripts) "
        + "| Redis CPU µs per decision | quota ÷ client |\n")
        .append("|---|---|---|---|---|---|---|---|---|---|\n");
    Map<String, List<JsonNode>> groups = new LinkedHashMap<>();
    for (JsonNode r : redis.path("rows")) {
      groups.computeIfAbsent(r.path("keys").asInt() + "/" + r.path("subjects").asInt() + "/" + r.path("inFlight").asInt(),
          k -> new ArrayList<>()).add(r);
    }
    Double threeSubjects = null;
    Double hot = null;
    for (List<JsonNode> g : groups.values()) {
      JsonNode q = null;
      for (JsonNode r : g) {
        if (r.path("client").asText().equals("quota")) {
          q = r;
        }
      }
      for (JsonNode r : g) {
        int keys = r.path("keys").asInt();
        md.append("| ").append(keys == 1 ? "hot key" : String.format(Locale.ROOT, "%,d", keys)).append(" | ")
            .append(r.path("subjects").asInt()).append(" | ").append(r.path("inFlight").asInt()).append(" | ")
            .append(r.path("client").asText()).append(" | ")
            .append(String.format(Locale.ROOT, "%,.0f", r.path("throughput").asDouble())).append(" | ")
            .append(Report.fmt(r.path("p50us").asDouble())).append(" | ").append(Report.fmt(r.path("p99us").asDouble()))
            .append(" | ").append(String.format(Locale.ROOT, "%.2f", r.path("commandsPerDecision").asDouble()))
            .append(commands(r)).append(" | ")
            .append(r.has("redisCpuUsPerDecision") ? Report.fmt(r.path("redisCpuUsPerDecision").asDouble()) : "").append(" | ");
        if (q != null && r != q) {
          double ratio = q.path("throughput").asDouble() / r.path("throughput").asDouble();
          md.append(String.format(Locale.ROOT, "%.2fx", ratio));
          if (r.path("client").asText().equals("bucket4j") && r.path("inFlight").asInt() == 64) {
            if (r.path("subjects").asInt() == 3 && keys > 1) {
              threeSubjects = ratio;
            }
            if (r.path("subjects").asInt() == 1 && keys == 1) {
              hot = ratio;
            }
          }
        }
        md.append(" |\n");
      }
    }
    md.append('\n');
    if (!quota) {
      targets.add("Redis, 3-subject decision at 64 in flight: at least 2x Bucket4j-lettuce", "Quota's Redis store not in this build", null, "");
      targets.add("Redis, hot key: at least 50x Bucket4j compare-and-swap", "Quota's Redis store not in this build", null, "");
      return;
    }
    addRatio(targets, "Redis, 3-subject decision at 64 in flight (10,000 users): at least 2x Bucket4j-lettuce", threeSubjects, 2);
    addRatio(targets, "Redis, hot key (1 subject, 64 in flight): at least 50x Bucket4j compare-and-swap", hot, 50);
  }

  private static void addRatio(Targets targets, String name, Double ratio, double goal) {
    if (ratio == null) {
      targets.add(name, "not measured", null, "");
      return;
    }
    boolean met = ratio >= goal;
    targets.add(name, String.format(Locale.ROOT, "%.2fx", ratio), met,
        met ? "" : String.format(Locale.ROOT, "missed: %.2fx of the %.0fx goal", ratio, goal));
  }

  private static String commands(JsonNode r) {
    JsonNode c = r.path("commands");
    if (c.isMissingNode() || c.size() == 0) {
      return "";
    }
    StringBuilder sb = new StringBuilder(" (");
    c.fields().forEachRemaining(e -> {
      if (sb.length() > 2) {
        sb.append(", ");
      }
      sb.append(e.getKey()).append(' ').append(String.format(Locale.ROOT, "%.2f",
          e.getValue().asDouble() / Math.max(1, r.path("decisions").asDouble())));
    });
    return sb.append(')').toString();
  }

  static void memory(StringBuilder md, JsonNode redisMemory, Targets targets) {
    md.append("### Redis bytes per (subject, limit)\n\n");
    if (redisMemory == null) {
      md.append("Not run.\n\n");
      targets.add("Redis memory: at most 200 B per (subject, limit)", "not run", null, "");
      return;
    }
    md.append("Each subject takes one unit against 1 or 3 limits (Quota: a RECORD plan on its Redis store, "
        + "so only counters are written; Bucket4j: one bucket per subject with 1 or 3 bandwidths). "
        + "\"used_memory\" is the server's `used_memory` growth divided by subjects x limits; "
        + "\"MEMORY USAGE\" is the mean over up to 1,000 sampled keys (Quota keeps one key per counter, "
        + "Bucket4j one key per bucket).\n\n");
    md.append("| store | subjects | limits | used_memory B per (subject, limit) | MEMORY USAGE B per key |\n")
        .append("|---|---|---|---|---|\n");
    double worst = -1;
    for (JsonNode r : redisMemory.path("rows")) {
      md.append("| ").append(r.path("what").asText()).append(" | ")
          .append(String.format(Locale.ROOT, "%,d", r.path("subjects").asInt())).append(" | ")
          .append(r.path("limits").asInt()).append(" | ").append(Report.fmt(r.path("bytesPerSubjectLimit").asDouble()))
          .append(" | ").append(Report.fmt(r.path("memoryUsagePerKey").asDouble())).append(" |\n");
      if (r.path("what").asText().startsWith("quota")) {
        worst = Math.max(worst, r.path("bytesPerSubjectLimit").asDouble());
      }
    }
    md.append('\n');
    if (worst < 0) {
      targets.add("Redis memory: at most 200 B per (subject, limit)", "Quota's Redis store not in this build", null, "");
    } else {
      targets.add("Redis memory: at most 200 B per (subject, limit)", Report.fmt(worst) + " B at worst", worst <= 200,
          worst <= 200 ? "" : String.format(Locale.ROOT, "missed by %.0f B (%.1fx)", worst - 200, worst / 200));
    }
  }
}
