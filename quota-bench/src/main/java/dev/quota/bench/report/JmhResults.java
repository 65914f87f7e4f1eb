package dev.quota.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** JMH's JSON results, flattened to what the report shows. */
final class JmhResults {
  private JmhResults() {}

  /** One benchmark configuration's measurement. */
  record Row(String benchmark, int threads, Map<String, String> params, double nsPerOp, double error,
      double bytesPerOp, double admitted, double denied, String warmup, String measurement, String jvmArgs) {
    String param(String name) {
      return params.getOrDefault(name, "");
    }

    /** Admitted share in percent, or NaN if not counted. */
    double admittedPercent() {
      double total = admitted + denied;
      return total == 0 ? Double.NaN : 100.0 * admitted / total;
    }

    String method() {
      return benchmark.substring(benchmark.lastIndexOf('.') + 1);
    }
  }

  static List<Row> read(Path dir, String prefix) throws IOException {
    List<Row> rows = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return rows;
    }
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.getFileName().toString().startsWith(prefix) && p.toString().endsWith(".json")).sorted().toList();
    }
    ObjectMapper json = new ObjectMapper();
    for (Path f : files) {
      JsonNode root = json.readTree(f.toFile());
      for (JsonNode b : root) {
        Map<String, String> params = new TreeMap<>();
        b.path("params").fields().forEachRemaining(e -> params.put(e.getKey(), e.getValue().asText()));
        JsonNode secondary = b.path("secondaryMetrics");
        rows.add(new Row(
            b.path("benchmark").asText(), b.path("threads").asInt(), params,
            b.path("primaryMetric").path("score").asDouble(),
            b.path("primaryMetric").path("scoreError").asDouble(Double.NaN),
            secondary.path("gc.alloc.rate.norm").path("score").asDouble(Double.NaN),
            secondary.path("admitted").path("score").asDouble(0),
            secondary.path("denied").path("score").asDouble(0),
            b.path("warmupIterations").asInt() + " x " + b.path("warmupTime").asText(),
            b.path("measurementIterations").asInt() + " x " + b.path("measurementTime").asText(),
            jvmArgs(b.path("jvmArgs"))));
      }
    }
    return rows;
  }

  private static String jvmArgs(JsonNode args) {
    List<String> out = new ArrayList<>();
    args.forEach(a -> out.add(a.asText()));
    return String.join(" ", out);
  }
}
