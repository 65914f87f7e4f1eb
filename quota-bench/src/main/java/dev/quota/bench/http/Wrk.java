package dev.quota.bench.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Runs {@code wrk} pinned to its core and reads the JSON line that report.lua prints. */
final class Wrk {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One wrk run; latencies in microseconds. Timeouts are 10 s, so slow responses count as latency, not loss. */
  record Result(long requests, double seconds, long p50us, long p90us, long p99us, long maxus, long non2xx, long socketErrors) {
    double throughput() {
      return requests / seconds;
    }

    Map<String, Object> asMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("requests", requests);
      m.put("seconds", seconds);
      m.put("throughput", throughput());
      m.put("p50us", p50us);
      m.put("p90us", p90us);
      m.put("p99us", p99us);
      m.put("maxus", maxus);
      m.put("non2xx", non2xx);
      m.put("socketErrors", socketErrors);
      return m;
    }
  }

  private final String core;
  private final int connections;
  private final Path scripts;

  Wrk(String core, int connections, Path scripts) {
    this.core = core;
    this.connections = connections;
    this.scripts = scripts;
  }

  Result run(String script, String url, int seconds, Map<String, String> env) throws IOException, InterruptedException {
    return run(script, url, seconds, connections, env);
  }

  Result run(String script, String url, int seconds, int connections, Map<String, String> env)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(List.of("taskset", "-c", core, "wrk", "-t1", "-c" + connections,
        "-d" + seconds + "s", "--timeout", "10s", "-s", scripts.resolve(script).toString(), url))
        .redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int exit = p.waitFor();
    String line = out.lines().filter(l -> l.startsWith("BENCH_JSON ")).findFirst()
        .orElseThrow(() -> new IllegalStateException("wrk " + script + " exited with " + exit + ":\n" + out));
    JsonNode j = JSON.readTree(line.substring("BENCH_JSON ".length()));
    return new Result(j.path("requests").asLong(), j.path("durationMicros").asLong() / 1e6,
        j.path("p50us").asLong(), j.path("p90us").asLong(), j.path("p99us").asLong(), j.path("maxus").asLong(),
        j.path("errorsStatus").asLong(),
        j.path("errorsConnect").asLong() + j.path("errorsRead").asLong() + j.path("errorsWrite").asLong()
            + j.path("errorsTimeout").asLong());
  }
}
