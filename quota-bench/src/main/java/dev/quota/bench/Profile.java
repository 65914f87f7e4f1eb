package dev.quota.bench;

import dev.quota.bench.limiters.Limiters;
import java.util.List;

/**
 * How much a run measures. {@code quick} fits in 15 minutes on two cores by trimming the matrix
 * and the iteration counts, never the workloads themselves; {@code full} runs everything the issue
 * lists.
 *
 * @param localRuns the local JMH matrices: each is a key set crossed with the loads and limit counts
 * @param httpWarmupSeconds wrk load per endpoint before anything is measured, with the server on
 *     both cores; pinned to one core its JIT compiler stayed busy for 30 seconds and more, and runs
 *     measured sooner were still speeding up
 * @param httpRounds measured wrk runs per endpoint, alternating A-B-B-A between the two endpoints
 * @param ledgerRows ledger entries appended per database after the warm-up
 */
public record Profile(
    String name,
    List<String> limiters,
    List<LocalRun> localRuns,
    int warmupIterations,
    int measurementIterations,
    double iterationSeconds,
    int accuracySeconds,
    int redisSeconds,
    int redisMemorySubjects,
    int heapSubjects,
    int httpWarmupSeconds,
    int httpRoundSeconds,
    int httpRounds,
    int ledgerRows) {

  /** One JMH invocation over the limiter matrix. */
  public record LocalRun(int threads, int keys, List<String> distributions, List<String> limits) {}

  public static Profile named(String name) {
    // Quota's product path and the three peers; the quick profile leaves out the store-only column
    // (the full one has it) to keep its 15 minutes with room to spare on a slow day.
    List<String> quick = List.of("quota", "bucket4j", "resilience4j", "guava");
    return switch (name) {
      case "quick" -> new Profile(
          "quick", quick,
          List.of(
              new LocalRun(1, 1, List.of("uniform"), List.of("1", "3")),
              new LocalRun(1, 10_000, List.of("uniform"), List.of("1", "3")),
              new LocalRun(1, 10_000, List.of("zipf"), List.of("1")),
              new LocalRun(2, 1, List.of("uniform"), List.of("1")),
              new LocalRun(2, 10_000, List.of("zipf"), List.of("1"))),
          // Three warm-up seconds per fork: Bucket4j's tryConsume reaches its steady state only after
          // about three (it runs 2-9x slower in its second and third second), and a shorter warm-up
          // measured it half-compiled.
          3, 2, 1.0, 30, 3, 100_000, 100_000, 25, 8, 2, 50_000);
      case "full" -> new Profile(
          "full",
          Limiters.ALL,
          List.of(
              new LocalRun(1, 1, List.of("uniform"), List.of("1", "3")),
              new LocalRun(1, 10_000, List.of("uniform", "zipf"), List.of("1", "3")),
              new LocalRun(1, 1_000_000, List.of("uniform", "zipf"), List.of("1", "3")),
              new LocalRun(2, 1, List.of("uniform"), List.of("1", "3")),
              new LocalRun(2, 10_000, List.of("uniform", "zipf"), List.of("1", "3")),
              new LocalRun(2, 1_000_000, List.of("uniform", "zipf"), List.of("1", "3"))),
          3, 5, 1.0, 600, 20, 100_000, 1_000_000, 30, 30, 4, 1_000_000);
      default -> throw new IllegalArgumentException("profile must be quick or full, got '" + name + "'");
    };
  }
}
