package dev.quota.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quota.bench.limiters.Limiters;
import dev.quota.bench.report.JmhResults.Row;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Writes docs/benchmarks.md from the raw results of one run. Every ratio in it compares figures
 * measured in that same run; nothing is carried over from earlier runs.
 */
public final class Report {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String BASE = "bucket4j";

  private Report() {}

  public static void main(String[] args) throws IOException {
    Path results = Path.of(args.length > 0 ? args[0] : "docs/bench-results");
    Path out = Path.of(args.length > 1 ? args[1] : "docs/benchmarks.md");
    Files.writeString(out, render(results));
  }

  public static String render(Path results) throws IOException {
    JsonNode meta = readOrNull(results.resolve("meta.json"));
    List<Row> limiterRows = JmhResults.read(results, "local-limiters");
    List<Row> decisionRows = JmhResults.read(results, "local-decision");
    JsonNode accuracy = readOrNull(results.resolve("accuracy.json"));
    JsonNode redis = readOrNull(results.resolve("redis.json"));
    JsonNode redisMemory = readOrNull(results.resolve("redis-memory.json"));
    JsonNode heap = readOrNull(results.resolve("memory-heap.json"));
    JsonNode held = readOrNull(results.resolve("memory-held.json"));
    Targets targets = new Targets();

    StringBuilder md = new StringBuilder();
    md.append("# Benchmarks\n\n");
    md.append("Quota side by side with Bucket4j 8.19.0, Resilience4j 2.4.0, Guava 33.x and raw Redis, "
        + "measured in one run on one machine. Every ratio below compares figures from that same run. "
        + "This file is generated; do not edit it by hand.\n\n");
    header(md, meta, results);
    StringBuilder body = new StringBuilder();
    local(body, limiterRows, targets);
    decision(body, decisionRows, targets);
    RedisSection.render(body, redis, targets);
    accuracy(body, accuracy, targets);
    HttpSection.render(body, readOrNull(results.resolve("http.json")), targets);
    memory(body, redisMemory, heap, held, targets);
    LedgerSection.render(body, readOrNull(results.resolve("ledger.json")), targets);
    md.append(targets.render());
    md.append(body);
    md.append("## Raw results\n\n");
    try (Stream<Path> s = Files.list(results)) {
      for (Path p : s.sorted().toList()) {
        md.append("- `docs/bench-results/").append(p.getFileName()).append("`\n");
      }
    }
    return md.toString();
  }

  private static void header(StringBuilder md, JsonNode meta, Path results) {
    md.append("## How to run\n\n")
        .append("- Quick profile (at most 15 minutes on 2 cores): `bash quota-bench/run-quick.sh`\n")
        .append("- Full profile (about 2 hours): `bash quota-bench/run-full.sh`\n")
        .append("- Either writes this file and the raw JSON under `docs/bench-results/`. Neither runs during `mvn verify`.\n\n");
    if (meta == null) {
      md.append("No run recorded.\n\n");
      return;
    }
    md.append("## This run\n\n")
        .append("| | |\n|---|---|\n")
        .append(kv("Command", "`" + meta.path("command").asText() + "`"))
        .append(kv("Profile", meta.path("profile").asText()))
        .append(kv("Started / finished", meta.path("started").asText() + " / " + meta.path("finished").asText()))
        .append(kv("Duration", (meta.has("wallSeconds")
                ? meta.path("wallSeconds").asLong() + " s for the whole command, build included; " : "")
            + String.format(Locale.ROOT, "%.0f s", meta.path("seconds").asDouble()) + " measuring ("
            + steps(meta.path("stepSeconds")) + ")"))
        .append(kv("Git commit", meta.path("gitCommit").asText()))
        .append(kv("CPU", meta.path("cpu").asText() + ", " + meta.path("cores").asText() + " cores, "
            + meta.path("memoryGiB").asText() + " GiB"))
        .append(kv("OS / JVM", meta.path("os").asText() + " / " + meta.path("java").asText()))
        .append(kv("Load average (1/5/15 min) at start / end",
            meta.path("loadAverageAtStart").asText() + " / " + meta.path("loadAverageAtEnd").asText()))
        .append(meta.has("loadAverageAtStepStart") ? kv("Load average (1 min) as each step began",
            stepLoads(meta.path("loadAverageAtStepStart"))) : "")
        .append(kv("Redis", meta.path("redis").asText()))
        .append(kv("CPU pinning", meta.path("pinning").asText()))
        .append("\n")
        .append("**Noise.** This machine has 2 cores, shared with other builds and test suites that ran during "
            + "the measurement (see the load average). Absolute figures are noisy and JMH error bars are wide "
            + "with the quick profile's 2 measurement iterations; ratios between limiters measured minutes "
            + "apart are more robust than the absolute numbers, but a ratio within about 1.3x of 1 should not "
            + "be read as a difference. The HTTP and ledger workloads run whole processes (a server, wrk, "
            + "PostgreSQL) that compete with everything else on the machine; their run-to-run spread shows in the "
            + "repeated HTTP runs and in the ledger's three runs per database.\n\n");
  }

  private static String stepLoads(JsonNode loads) {
    StringBuilder sb = new StringBuilder();
    loads.fields().forEachRemaining(e -> sb.append(sb.length() > 0 ? ", " : "").append(e.getKey()).append(' ')
        .append(e.getValue().asText().split(" ")[0]));
    return sb.toString();
  }

  private static String steps(JsonNode steps) {
    StringBuilder sb = new StringBuilder();
    steps.fields().forEachRemaining(e -> sb.append(sb.length() > 0 ? ", " : "").append(e.getKey()).append(' ')
        .append(String.format(Locale.ROOT, "%.0f s", e.getValue().asDouble())));
    return sb.toString();
  }

  private static String kv(String k, String v) {
    return "| " + k + " | " + v + " |\n";
  }

  // ---------------------------------------------------------------- A. local limiters

  private static void local(StringBuilder md, List<Row> rows, Targets targets) {
    md.append("## A. Local limiters (JMH)\n\n");
    if (rows.isEmpty()) {
      md.append("Not run.\n\n");
      targets.add("Local, one limit: lower ns/op than Bucket4j tryConsume", "not run", null, "");
      targets.add("Local, one limit: 0 B/op on the admit path", "not run", null, "");
      return;
    }
    Set<String> limiters = new LinkedHashSet<>();
    for (Row r : rows) {
      limiters.add(r.param("limiter"));
    }
    md.append("One operation is one rate-limit decision for one key: take a unit from every limit of the key, "
        + "or from none. All limiters read one simulated clock advanced by one arrival per operation, so "
        + "every limiter faces the same arrivals against the same limits and the admitted share does not "
        + "depend on its speed. Every limiter, Quota's included, finds a key's limiter (Quota: its "
        + "prepared request) by key name in a `ConcurrentHashMap` on every operation, as an application would. Workloads: a hot key gets 1,000 arrivals per simulated second; with many keys "
        + "each gets 20 per second on average, drawn uniformly or by Zipf (exponent 1). \"admit\" sets each "
        + "key's limit to 95% of its expected arrivals per second, \"deny\" to 5% (at least 1); with 3 limits "
        + "the key also gets 60x per minute and 3600x per hour. Cells: ns/op, B/op (from `-prof gc`), "
        + "and the admitted share that limiter actually saw. Ratio columns are Bucket4j's ns/op divided by "
        + "Quota's (above 1: Quota is faster). " + forks(rows) + "\n\n");
    for (String l : limiters) {
      md.append("- `").append(l).append("`: ").append(Limiters.describe(l)).append('\n');
    }
    md.append("\nResilience4j and Guava enforce one limit per limiter, so 3 limits are 3 limiters tried in turn "
        + "(not atomic: a later denial has already consumed from the earlier ones). Resilience4j's clock hook "
        + "is a `Supplier<Long>`, so part of its B/op is boxing that its default clock would not do.\n\n");
    Map<Integer, List<Row>> byThreads = new LinkedHashMap<>();
    for (Row r : rows) {
      byThreads.computeIfAbsent(r.threads(), k -> new ArrayList<>()).add(r);
    }
    List<String> admitGaps = new ArrayList<>();
    int speedMet = 0;
    int speedRows = 0;
    double worstSpeed = Double.MAX_VALUE;
    double worstAdmitBytes = 0;
    for (Map.Entry<Integer, List<Row>> e : byThreads.entrySet()) {
      md.append("### ").append(e.getKey()).append(e.getKey() == 1 ? " thread\n\n" : " threads\n\n");
      md.append("| workload |");
      for (String l : limiters) {
        md.append(' ').append(l).append(" |");
      }
      boolean hasStore = limiters.contains("quota");
      boolean hasWindow = limiters.contains("quota-store");
      if (hasStore) {
        md.append(" bucket4j ÷ quota |");
      }
      if (hasWindow) {
        md.append(" bucket4j ÷ quota-store |");
      }
      md.append("\n|---|");
      md.append("---|".repeat(limiters.size() + (hasStore ? 1 : 0) + (hasWindow ? 1 : 0))).append('\n');
      Map<String, Map<String, Row>> byWorkload = new LinkedHashMap<>();
      for (Row r : e.getValue()) {
        byWorkload.computeIfAbsent(workload(r), k -> new LinkedHashMap<>()).put(r.param("limiter"), r);
      }
      for (Map.Entry<String, Map<String, Row>> w : byWorkload.entrySet()) {
        md.append("| ").append(w.getKey()).append(" |");
        for (String l : limiters) {
          Row r = w.getValue().get(l);
          md.append(' ').append(r == null ? "–" : cell(r)).append(" |");
        }
        Row base = w.getValue().get(BASE);
        Row store = w.getValue().get("quota");
        if (hasStore) {
          md.append(' ').append(ratio(base, store)).append(" |");
        }
        if (hasWindow) {
          md.append(' ').append(ratio(base, w.getValue().get("quota-store"))).append(" |");
        }
        md.append('\n');
        Row any = w.getValue().values().iterator().next();
        if (base != null && store != null && any.param("limits").equals("1")) {
          speedRows++;
          double speed = base.nsPerOp() / store.nsPerOp();
          worstSpeed = Math.min(worstSpeed, speed);
          if (speed > 1) {
            speedMet++;
          }
          if (any.param("load").equals("admit")) {
            worstAdmitBytes = Math.max(worstAdmitBytes, store.bytesPerOp());
            if (store.bytesPerOp() >= 0.5) {
              admitGaps.add(w.getKey() + ", " + e.getKey() + "t: " + fmt(store.bytesPerOp()) + " B/op");
            }
          }
        }
      }
      md.append('\n');
    }
    if (speedRows > 0) {
      targets.add("Local, one limit: lower ns/op than Bucket4j tryConsume (`quota`, 1 and 2 threads)",
          speedMet + " of " + speedRows + " one-limit workloads faster; worst ratio "
              + String.format(Locale.ROOT, "%.2fx", worstSpeed),
          speedMet == speedRows,
          speedMet == speedRows ? "" : "missed on " + (speedRows - speedMet) + " workloads; worst is "
              + String.format(Locale.ROOT, "%.1fx", 1 / worstSpeed) + " slower than Bucket4j");
      targets.add("Local, one limit: 0 B/op on the admit path (`quota`)",
          "up to " + fmt(worstAdmitBytes) + " B/op",
          admitGaps.isEmpty(),
          admitGaps.isEmpty() ? "" : "missed by " + fmt(worstAdmitBytes) + " B/op at worst");
    }
  }

  private static String workload(Row r) {
    int keys = Integer.parseInt(r.param("keys"));
    String k = keys == 1 ? "hot key" : String.format(Locale.ROOT, "%,d keys %s", keys, r.param("distribution"));
    return k + ", " + r.param("load") + ", " + r.param("limits") + (r.param("limits").equals("1") ? " limit" : " limits");
  }

  private static String cell(Row r) {
    return fmt(r.nsPerOp()) + " ns · " + fmt(r.bytesPerOp()) + " B · " + String.format(Locale.ROOT, "%.0f%%", r.admittedPercent());
  }

  private static String ratio(Row base, Row quota) {
    if (base == null || quota == null) {
      return "–";
    }
    return String.format(Locale.ROOT, "%.2fx", base.nsPerOp() / quota.nsPerOp());
  }

  static String fmt(double v) {
    if (Double.isNaN(v)) {
      return "?";
    }
    if (v >= 100) {
      return String.format(Locale.ROOT, "%,.0f", v);
    }
    return String.format(Locale.ROOT, v >= 10 ? "%.1f" : "%.2f", v);
  }

  // ---------------------------------------------------------------- A. full decision

  /** How long each JMH fork warmed up and measured, as the results record it. */
  static String forks(List<Row> rows) {
    Set<String> plans = new LinkedHashSet<>();
    for (Row r : rows) {
      plans.add(r.warmup() + " of warm-up, then " + r.measurement() + " measured");
    }
    String flags = rows.isEmpty() || rows.get(0).jvmArgs().isEmpty() ? "" : " (`" + rows.get(0).jvmArgs() + "`)";
    return "Each configuration runs in a JVM of its own" + flags + ": " + String.join("; ", plans) + ".";
  }

  private static void decision(StringBuilder md, List<Row> rows, Targets targets) {
    md.append("## A. Full decision through `Quota` (JMH)\n\n");
    if (rows.isEmpty()) {
      md.append("Not run.\n\n");
      targets.add("Local, full decision: at most 1 µs", "not run", null, "");
      return;
    }
    md.append("One request naming a user, a team and a project; each has per-second, per-minute and per-hour "
        + "limits, and the project a daily and a monthly budget: 11 counters per decision, applied atomically by "
        + "`MemoryStore`. `reserveRelease` is `reserve` followed by `release` of the reservation (so budgets never "
        + "run out); `check` is the same decision as a dry run; `preparedTryAcquire` is the same decision through "
        + "a `PreparedRequest` (resolved and compiled once, applied by the store's fast path, the estimate charged "
        + "at once and written to the in-memory ledger). Limits are generous: this measures the engine, "
        + "not denials. With 10,000 users there are 100 teams and 1,000 projects. " + forks(rows) + "\n\n");
    md.append("| operation | users | threads | ns/op | B/op | admitted |\n|---|---|---|---|---|---|\n");
    double worst = 0;
    double worstPrepared = 0;
    for (Row r : rows) {
      if (r.method().equals("preparedTryAcquire") && r.threads() == 1) {
        worstPrepared = Math.max(worstPrepared, r.nsPerOp());
      }
      md.append("| ").append(r.method()).append(" | ").append(r.param("users")).append(" | ").append(r.threads())
          .append(" | ").append(fmt(r.nsPerOp())).append(" | ").append(fmt(r.bytesPerOp())).append(" | ")
          .append(String.format(Locale.ROOT, "%.1f%%", r.admittedPercent())).append(" |\n");
      if (r.method().equals("reserveRelease") && r.threads() == 1) {
        worst = Math.max(worst, r.nsPerOp());
      }
    }
    md.append('\n');
    if (worst > 0) {
      targets.add("Local, full decision: at most 1 µs (reserve + release, 1 thread)",
          fmt(worst) + " ns at worst", worst <= 1000,
          worst <= 1000 ? "" : String.format(Locale.ROOT, "missed by %.1fx", worst / 1000));
    }
    if (worstPrepared > 0) {
      targets.add("Local, full decision: at most 1 µs (prepared request, 1 thread)",
          fmt(worstPrepared) + " ns at worst", worstPrepared <= 1000,
          worstPrepared <= 1000 ? "" : String.format(Locale.ROOT, "missed by %.1fx", worstPrepared / 1000));
    }
  }

  // ---------------------------------------------------------------- C. accuracy

  private static void accuracy(StringBuilder md, JsonNode acc, Targets targets) {
    md.append("## C. Accuracy against an exact sliding log\n\n");
    if (acc == null) {
      md.append("Not run.\n\n");
      targets.add("Accuracy: 0 over-admissions for the strict sliding window", "not run", null, "");
      return;
    }
    md.append("Each trace is replayed on one key with a one-second window (limit 950/s, then 50/s). Every "
        + "decision is judged by an exact sliding log fed with that limiter's own admissions: an "
        + "over-admission put more than the limit into some one-second interval; an under-admission is a "
        + "denial the exact log would have admitted. \"exact\" is what the exact log admits on its own; "
        + "\"peak\" is the most admissions the limiter let into any one-second interval. Token buckets and "
        + "fixed windows do not promise a sliding window, so their over-admissions show how far their "
        + "contract is from one, not a defect.\n\n");
    md.append("\"over (ms)\" judges the same decisions on arrival times cut to whole milliseconds, the "
        + "resolution of Quota's clock: an over-admission that disappears there comes from sub-millisecond "
        + "arrival times the limiter cannot see.\n\n");
    md.append("| limit | trace | requests | exact admits | limiter | admitted | over | over (ms) | under | peak / limit |\n")
        .append("|---|---|---|---|---|---|---|---|---|---|\n");
    long quotaOver = 0;
    long quotaOverMs = 0;
    for (JsonNode r : acc) {
      md.append("| ").append(r.path("limit").asLong()).append(" | ").append(r.path("trace").asText()).append(" | ")
          .append(r.path("requests").asLong()).append(" | ").append(r.path("exactAdmitted").asLong()).append(" | ")
          .append(r.path("limiter").asText()).append(" | ").append(r.path("admitted").asLong()).append(" | ")
          .append(r.path("overAdmissions").asLong()).append(" | ").append(r.path("overAdmissionsAtMs").asLong()).append(" | ")
          .append(r.path("underAdmissions").asLong()).append(" | ")
          .append(String.format(Locale.ROOT, "%.2f", r.path("peakInWindow").asDouble() / r.path("limit").asDouble()))
          .append(" |\n");
      if (r.path("limiter").asText().equals("quota")) {
        quotaOver += r.path("overAdmissions").asLong();
        quotaOverMs += r.path("overAdmissionsAtMs").asLong();
      }
    }
    md.append('\n');
    targets.add("Accuracy: 0 over-admissions for the strict sliding window (`quota`)",
        quotaOver + " over-admissions on nanosecond arrival times, " + quotaOverMs + " on millisecond ones",
        quotaOver == 0, quotaOver == 0 ? "" : "missed by " + quotaOver + " admissions over all traces");
  }

  // ---------------------------------------------------------------- E. memory

  private static void memory(StringBuilder md, JsonNode redisMemory, JsonNode heap, JsonNode held, Targets targets) {
    md.append("## E. Memory\n\n");
    RedisSection.memory(md, redisMemory, targets);
    md.append("### JVM heap per subject\n\n");
    if (heap == null) {
      md.append("Not run.\n\n");
    } else {
      heapPerSubject(md, heap);
    }
    if (held != null) {
      heldReservations(md, held);
    }
  }

  private static void heapPerSubject(StringBuilder md, JsonNode heap) {
    md.append("Used heap after full collections, before and after every subject's first decision, then after a "
        + "second decision each (what each further decision keeps). Quota's figure is `MemoryStore` "
        + "(sliding window); the plans that name the counters belong to the caller and are not counted. "
        + "Bucket4j's figure includes its key strings and map entries.\n\n");
    md.append("| store | subjects | limits per subject | bytes per subject | bytes kept per later decision |\n")
        .append("|---|---|---|---|---|\n");
    for (JsonNode r : heap) {
      md.append("| ").append(r.path("what").asText()).append(" | ")
          .append(String.format(Locale.ROOT, "%,d", r.path("subjects").asInt())).append(" | ")
          .append(r.path("limits").asInt()).append(" | ").append(fmt(r.path("bytesPerSubject").asDouble()))
          .append(" | ").append(fmt(r.path("bytesPerLaterDecision").asDouble())).append(" |\n");
    }
    md.append('\n');
  }

  private static void heldReservations(StringBuilder md, JsonNode held) {
    md.append("### JVM heap per held reservation\n\n")
        .append("The HTTP workload's reservations through `Quota.reserve` on `MemoryStore` (a rate limit and a "
            + "daily budget per user, users in turn, nothing committed or released): used heap after full "
            + "collections, once every user holds one reservation and again after ")
        .append(String.format(Locale.ROOT, "%,d", held.path("reservations").asInt()))
        .append(" more across ")
        .append(String.format(Locale.ROOT, "%,d", held.path("users").asInt()))
        .append(" users. A held reservation is kept until it is settled or expires.\n\n")
        .append("| bytes per held reservation |\n|---|\n| ")
        .append(fmt(held.path("bytesPerHeldReservation").asDouble())).append(" |\n\n");
  }

  static JsonNode readOrNull(Path p) throws IOException {
    return Files.exists(p) ? JSON.readTree(p.toFile()) : null;
  }
}
