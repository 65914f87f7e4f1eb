package dev.quota.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.quota.bench.accuracy.AccuracyHarness;
import dev.quota.bench.http.HttpBench;
import dev.quota.bench.ledger.LedgerBench;
import dev.quota.bench.local.DecisionBenchmark;
import dev.quota.bench.local.LimiterBenchmark;
import dev.quota.bench.redis.RedisBench;
import dev.quota.bench.report.Report;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs one profile end to end and writes the raw results (JSON) and the report (Markdown).
 *
 * <pre>java -cp benchmarks.jar dev.quota.bench.BenchMain quick|full RESULTS_DIR REPORT_FILE [only=local,decision,accuracy,redis,heap,http,ledger]</pre>
 *
 * Redis settings come from system properties {@code bench.redis.host}, {@code bench.redis.port}
 * and {@code bench.redis.note}; the exact command line from {@code bench.command}; the HTTP and
 * ledger steps' settings are described in {@link HttpBench} and {@link LedgerBench}.
 */
public final class BenchMain {
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private BenchMain() {}

  public static void main(String[] args) throws Exception {
    Profile profile = Profile.named(args.length > 0 ? args[0] : "quick");
    Path results = Path.of(args.length > 1 ? args[1] : "docs/bench-results");
    Path report = Path.of(args.length > 2 ? args[2] : "docs/benchmarks.md");
    String only = args.length > 3 && args[3].startsWith("only=") ? args[3].substring(5) : "local,decision,accuracy,redis,heap,http,ledger";
    Files.createDirectories(results);
    Map<String, Object> meta = Machine.describe(profile.name());
    long started = System.nanoTime();
    Map<String, Double> stepSeconds = new LinkedHashMap<>();
    Map<String, Object> stepLoad = new LinkedHashMap<>();
    double earlierSeconds = 0;
    Path metaFile = results.resolve("meta.json");
    if (Files.exists(metaFile)) {
      // A later step of the same run (the run script clears the directory first): keep its start.
      @SuppressWarnings("unchecked")
      Map<String, Object> earlier = JSON.readValue(metaFile.toFile(), Map.class);
      meta.put("started", earlier.get("started"));
      meta.put("loadAverageAtStart", earlier.get("loadAverageAtStart"));
      earlierSeconds = ((Number) earlier.get("seconds")).doubleValue();
      @SuppressWarnings("unchecked")
      Map<String, Object> steps = (Map<String, Object>) earlier.get("stepSeconds");
      steps.forEach((k, v) -> stepSeconds.put(k, ((Number) v).doubleValue()));
      @SuppressWarnings("unchecked")
      Map<String, Object> loads = (Map<String, Object>) earlier.getOrDefault("loadAverageAtStepStart", Map.of());
      stepLoad.putAll(loads);
    }

    if (only.contains("local")) {
      long t = System.nanoTime();
      stepLoad.put("local", Machine.loadAverage());
      for (Profile.LocalRun run : profile.localRuns()) {
        runLocal(profile, run, results);
      }
      stepSeconds.put("local", (System.nanoTime() - t) / 1e9);
    }
    if (only.contains("decision")) {
      long t = System.nanoTime();
      stepLoad.put("decision", Machine.loadAverage());
      for (int threads : new int[] {1, 2}) {
        // The whole engine compiles later than a limiter: a first measured second after three of
        // warm-up ran at up to 5x the steady cost, so these forks warm up for six.
        ChainedOptionsBuilder o = jmh(profile, threads)
            .warmupIterations(Math.max(profile.warmupIterations(), 6))
            .include(DecisionBenchmark.class.getName() + "\\.")
            .result(results.resolve("local-decision-t" + threads + ".json").toString());
        new Runner(o.build()).run();
      }
      stepSeconds.put("decision", (System.nanoTime() - t) / 1e9);
    }
    if (only.contains("accuracy")) {
      long t = System.nanoTime();
      stepLoad.put("accuracy", Machine.loadAverage());
      List<AccuracyHarness.Result> acc = AccuracyHarness.run(profile.accuracySeconds());
      JSON.writeValue(results.resolve("accuracy.json").toFile(), acc);
      stepSeconds.put("accuracy", (System.nanoTime() - t) / 1e9);
    }
    if (only.contains("redis")) {
      long t = System.nanoTime();
      stepLoad.put("redis", Machine.loadAverage());
      RedisBench.run(profile, results);
      stepSeconds.put("redis", (System.nanoTime() - t) / 1e9);
    }
    if (only.contains("http")) {
      long t = System.nanoTime();
      stepLoad.put("http", Machine.loadAverage());
      HttpBench.run(profile, results);
      stepSeconds.put("http", (System.nanoTime() - t) / 1e9);
    }
    if (only.contains("ledger")) {
      long t = System.nanoTime();
      stepLoad.put("ledger", Machine.loadAverage());
      LedgerBench.run(profile, results);
      stepSeconds.put("ledger", (System.nanoTime() - t) / 1e9);
    }
    if (only.contains("heap")) {
      long t = System.nanoTime();
      stepLoad.put("heap", Machine.loadAverage());
      List<Map<String, Object>> heap = new ArrayList<>();
      for (HeapProbe.Result r : HeapProbe.run(profile.heapSubjects())) {
        heap.add(HeapProbe.asMap(r));
      }
      JSON.writeValue(results.resolve("memory-heap.json").toFile(), heap);
      JSON.writeValue(results.resolve("memory-held.json").toFile(), HeapProbe.held(10_000, 200_000));
      stepSeconds.put("heap", (System.nanoTime() - t) / 1e9);
    }
    meta.put("finished", Instant.now().toString());
    meta.put("seconds", earlierSeconds + (System.nanoTime() - started) / 1e9);
    meta.put("stepSeconds", stepSeconds);
    meta.put("loadAverageAtStepStart", stepLoad);
    meta.put("loadAverageAtEnd", Machine.loadAverage());
    String scriptStarted = System.getProperty("bench.scriptStarted");
    if (scriptStarted != null) {
      // The whole command, build included: what the 15-minute budget of the quick profile is about.
      meta.put("wallSeconds", Instant.now().getEpochSecond() - Long.parseLong(scriptStarted));
    }
    JSON.writeValue(metaFile.toFile(), meta);
    Files.writeString(report, Report.render(results));
    System.out.println("wrote " + report + " and " + results + " in " + Math.round((System.nanoTime() - started) / 1e9) + " s");
  }

  private static void runLocal(Profile profile, Profile.LocalRun run, Path results) throws RunnerException, IOException {
    String file = "local-limiters-t" + run.threads() + "-k" + run.keys() + "-" + String.join("-", run.distributions())
        + "-l" + String.join("", run.limits()) + ".json";
    ChainedOptionsBuilder o = jmh(profile, run.threads())
        .include(LimiterBenchmark.class.getName() + "\\.acquire")
        .param("limiter", profile.limiters().toArray(String[]::new))
        .param("keys", String.valueOf(run.keys()))
        .param("distribution", run.distributions().toArray(String[]::new))
        .param("load", "admit", "deny")
        .param("limits", run.limits().toArray(String[]::new))
        .result(results.resolve(file).toString());
    new Runner(o.build()).run();
  }

  private static ChainedOptionsBuilder jmh(Profile profile, int threads) {
    TimeValue iteration = TimeValue.milliseconds((long) (profile.iterationSeconds() * 1000));
    return new OptionsBuilder()
        .forks(1)
        .threads(threads)
        .warmupIterations(profile.warmupIterations())
        .warmupTime(iteration)
        .measurementIterations(profile.measurementIterations())
        .measurementTime(iteration)
        .addProfiler(GCProfiler.class)
        // A fixed young generation: with G1 sizing it freely, eden grows to gigabytes in the first
        // seconds and every first touch of a new page faults into the kernel, which on this kind of
        // virtual machine costs more than the work measured (5x on an allocating decision) and lands
        // in whichever iterations happen to be running. 512 MB is touched within the first warm-up
        // iteration, so the measurement sees the steady state a long-running process lives in.
        .jvmArgs("-Xms3g", "-Xmx3g", "-Xmn512m", "-XX:+UseG1GC")
        .shouldFailOnError(true)
        .resultFormat(ResultFormatType.JSON);
  }
}
