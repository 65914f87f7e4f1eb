package dev.quota.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;

/** Section D of the report: the real server under wrk. */
final class HttpSection {
  private static final String TARGET = "HTTP: `POST /v1/reservations` at least 0.8x the trivial endpoint (requests/s)";

  private HttpSection() {}

  static void render(StringBuilder md, JsonNode http, Targets targets) {
    md.append("## D. HTTP (wrk)\n\n");
    if (http == null) {
      md.append("Not run.\n\n");
      targets.add(TARGET, "not run", null, "");
      return;
    }
    md.append("The real server (`quota-server.jar serve`, its own JVM with `-Xmx1g`) on a spare loopback port, "
        + "pinned with `taskset` to core ").append(http.path("serverCore").asText())
        .append("; `wrk` 4.1 pinned to core ").append(http.path("wrkCore").asText())
        .append(", one thread, ").append(http.path("connections").asInt())
        .append(" connections, closed loop, 10 s timeout (a slow response counts as latency, not as loss). "
            + "On the Redis backend the run's redis-server shares wrk's core. With one core the server's JVM also "
            + "runs its JIT compiler and garbage collector there, so these figures are far below what the server "
            + "does on a real machine; the ratio between the endpoints is the point.\n\n")
        .append("- Trivial endpoint: `").append(http.path("trivialEndpoint").asText())
        .append("` with the API key: authentication plus a small JSON body, the cheapest authenticated JSON "
            + "endpoint (`/health` is unauthenticated and pings the store and the database on every call).\n")
        .append("- `POST /v1/reservations`: `{\"subjects\":{\"user\":\"u<i>\"},\"estimatedCost\":\"0.0001\"}` for ")
        .append(String.format(Locale.ROOT, "%,d", http.path("users").asInt()))
        .append(" users in turn, under the policy `user:*` = `").append(http.path("policy").asText())
        .append("` created first with `PUT /v1/policies`, so every reservation is admitted (see the non-2xx column): "
            + "a rate limit and a daily budget per decision. wrk formats these requests once, before the run, "
            + "so that making them costs its core about what the trivial endpoint's fixed request does.\n")
        .append("- The reservations are never committed or released: each stays held until it expires (the "
            + "server's default of five minutes), so the store grows during the run as it does under clients that "
            + "abandon calls. That is part of the workload.\n")
        .append("- Per backend: a warm-up of ").append(http.path("warmupSeconds").asInt())
        .append(" s on each endpoint (not counted)")
        .append(http.has("warmupCores")
            ? ", with the server allowed on cores " + http.path("warmupCores").asText()
                + " so that its JIT compiler threads are not starved by its request threads (it is moved back to core "
                + http.path("serverCore").asText() + " before anything is measured)"
            : "")
        .append(http.has("warmupConnections")
            ? ": " + http.path("warmupConnections").asInt() + " connections first, so that the JIT compiler is not "
                + "starved by 64 busy request threads, then 64 for the last "
                + http.path("warmupSecondsAtFullLoad").asInt() + " s, so that it has compiled the contended paths too;"
            : ",")
        .append(" then runs of ").append(http.path("roundSeconds").asInt())
        .append(" s alternating A-B-B-A so that drift in the machine's load falls on both endpoints alike.\n")
        .append("- Backends: memory counters with the embedded H2 database; Redis counters on the run's "
            + "redis-server with PostgreSQL in a schema of its own (dropped afterwards).\n\n");
    int serverCore = http.path("serverCore").asInt(0);
    int wrkCore = http.path("wrkCore").asInt(1);
    md.append("CPU columns (where measured): the server process's CPU time per request and Redis's (`INFO cpu`), "
        + "and how busy the server's core and wrk's core were during the run, from `/proc`. A run whose server core "
        + "was not busy throughout was held back by the other core: wrk, and on the Redis backend redis-server "
        + "beside it.\n\n");
    md.append("| backend | endpoint | run | requests/s | p50 ms | p99 ms | non-2xx | socket errors "
            + "| server CPU µs per request | Redis CPU µs per request | busy: server core / wrk core |\n")
        .append("|---|---|---|---|---|---|---|---|---|---|---|\n");
    StringBuilder summary = new StringBuilder(
        "| backend | trivial requests/s | reservations requests/s | reservations ÷ trivial | reservations held at the end "
            + "| server CPU µs per request: trivial / reservations |\n"
            + "|---|---|---|---|---|---|\n");
    double worst = Double.MAX_VALUE;
    String worstBackend = null;
    StringBuilder measured = new StringBuilder();
    for (JsonNode b : http.path("backends")) {
      String backend = b.path("backend").asText();
      double[] trivial = new double[2];
      double[] reserve = new double[2];
      // requests and server CPU microseconds, over the runs that measured it
      long[] trivialCpu = new long[2];
      long[] reserveCpu = new long[2];
      for (JsonNode r : b.path("rows")) {
        boolean isReserve = r.path("endpoint").asText().contains("reservations");
        double[] acc = isReserve ? reserve : trivial;
        acc[0] += r.path("requests").asDouble();
        acc[1] += r.path("seconds").asDouble();
        long requests = r.path("requests").asLong();
        long serverCpu = r.path("serverCpuMicros").asLong(-1);
        if (serverCpu >= 0) {
          long[] cpu = isReserve ? reserveCpu : trivialCpu;
          cpu[0] += requests;
          cpu[1] += serverCpu;
        }
        md.append("| ").append(backend).append(" | `").append(r.path("endpoint").asText()).append("` | ")
            .append(r.path("round").asInt()).append(" | ")
            .append(String.format(Locale.ROOT, "%,.0f", r.path("throughput").asDouble())).append(" | ")
            .append(ms(r.path("p50us").asLong())).append(" | ").append(ms(r.path("p99us").asLong())).append(" | ")
            .append(r.path("non2xx").asLong()).append(" | ").append(r.path("socketErrors").asLong()).append(" | ")
            .append(perRequest(serverCpu, requests)).append(" | ")
            .append(perRequest(r.path("redisCpuMicros").asLong(-1), requests)).append(" | ")
            .append(busy(r.path("coreBusy"), serverCore, wrkCore)).append(" |\n");
      }
      if (b.hasNonNull("error")) {
        md.append("| ").append(backend).append(" | failed: ").append(b.path("error").asText().replace('\n', ' '))
            .append(" | | | | | | | | | |\n");
      }
      if (trivial[1] > 0 && reserve[1] > 0) {
        double t = trivial[0] / trivial[1];
        double r = reserve[0] / reserve[1];
        double ratio = r / t;
        summary.append("| ").append(backend).append(" | ").append(String.format(Locale.ROOT, "%,.0f", t)).append(" | ")
            .append(String.format(Locale.ROOT, "%,.0f", r)).append(" | ")
            .append(String.format(Locale.ROOT, "%.2fx", ratio)).append(" | ")
            .append(String.format(Locale.ROOT, "%,d", b.path("reservationsHeldAtEnd").asLong())).append(" | ")
            .append(perRequest(trivialCpu[1], trivialCpu[0])).append(" / ")
            .append(perRequest(reserveCpu[1], reserveCpu[0])).append(" |\n");
        measured.append(measured.length() > 0 ? ", " : "").append(backend).append(' ')
            .append(String.format(Locale.ROOT, "%.2fx", ratio));
        if (ratio < worst) {
          worst = ratio;
          worstBackend = backend;
        }
      }
    }
    md.append('\n').append("Over all measured runs (requests divided by seconds):\n\n").append(summary).append('\n');
    if (worstBackend == null) {
      targets.add(TARGET, "no complete measurement", null, "");
    } else {
      boolean met = worst >= 0.8;
      targets.add(TARGET, measured.toString(), met, met ? ""
          : String.format(Locale.ROOT, "missed: %.2fx on %s against the 0.8x goal (%.1fx too slow)", worst, worstBackend, 0.8 / worst));
    }
  }

  /** CPU microseconds per request, or a dash where the run did not measure it. */
  private static String perRequest(long cpuMicros, long requests) {
    return cpuMicros < 0 || requests <= 0 ? "–" : Report.fmt((double) cpuMicros / requests);
  }

  private static String busy(JsonNode shares, int serverCore, int wrkCore) {
    if (!shares.isArray() || shares.size() <= Math.max(serverCore, wrkCore)) {
      return "–";
    }
    return String.format(Locale.ROOT, "%.0f%% / %.0f%%", 100 * shares.get(serverCore).asDouble(), 100 * shares.get(wrkCore).asDouble());
  }

  static String ms(long micros) {
    return Report.fmt(micros / 1000.0);
  }
}
