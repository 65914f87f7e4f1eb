package dev.quota.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {
  @TempDir Path results;

  private static String httpRow(String endpoint, int round, long requests, double seconds) {
    return "{\"endpoint\":\"" + endpoint + "\",\"round\":" + round + ",\"requests\":" + requests + ",\"seconds\":" + seconds
        + ",\"throughput\":" + requests / seconds + ",\"p50us\":1500,\"p99us\":9000,\"non2xx\":0,\"socketErrors\":0}";
  }

  private void http(long trivialRequests, long reservationRequests) throws IOException {
    Files.writeString(results.resolve("http.json"), "{\"serverCore\":\"0\",\"wrkCore\":\"1\",\"connections\":64,"
        + "\"warmupSeconds\":10,\"roundSeconds\":8,\"users\":10000,\"policy\":\"{}\",\"trivialEndpoint\":\"GET /v1/whoami\","
        + "\"backends\":[{\"backend\":\"memory\",\"reservationsHeldAtEnd\":5,\"rows\":["
        + httpRow("GET /v1/whoami", 1, trivialRequests / 2, 10) + ","
        + httpRow("POST /v1/reservations", 1, reservationRequests / 2, 10) + ","
        + httpRow("POST /v1/reservations", 2, reservationRequests / 2, 10) + ","
        + httpRow("GET /v1/whoami", 2, trivialRequests / 2, 10) + "]}]}");
  }

  @Test
  void httpRatioIsTotalRequestsOverTotalSecondsAndMissedBelowPointEight() throws IOException {
    http(100_000, 50_000);

    String md = Report.render(results);

    assertThat(md).contains("| memory | 5,000 | 2,500 | 0.50x | 5 |");
    assertThat(md).contains("| HTTP: `POST /v1/reservations` at least 0.8x the trivial endpoint (requests/s) | memory 0.50x "
        + "| **missed** | missed: 0.50x on memory against the 0.8x goal (1.6x too slow) |");
  }

  @Test
  void httpSectionSaysHowManyConnectionsWarmedTheServerUp() throws IOException {
    http(100_000, 50_000);
    String withoutCount = Report.render(results);
    Files.writeString(results.resolve("http.json"),
        Files.readString(results.resolve("http.json")).replace("\"warmupSeconds\":10,", "\"warmupSeconds\":10,\"warmupConnections\":2,\"warmupSecondsAtFullLoad\":4,"));

    String md = Report.render(results);

    assertThat(withoutCount).contains("a warm-up of 10 s on each endpoint (not counted), then runs of 8 s");
    assertThat(md).contains("a warm-up of 10 s on each endpoint (not counted): 2 connections first, so that the JIT "
        + "compiler is not starved by 64 busy request threads, then 64 for the last 4 s, so that "
        + "it has compiled the contended paths too; then runs of 8 s");
  }

  @Test
  void httpSectionSaysOnWhichCoresTheServerWarmedUp() throws IOException {
    http(100_000, 50_000);
    Files.writeString(results.resolve("http.json"),
        Files.readString(results.resolve("http.json")).replace("\"warmupSeconds\":10,", "\"warmupSeconds\":10,\"warmupCores\":\"0,1\","));

    String md = Report.render(results);

    assertThat(md).contains("a warm-up of 10 s on each endpoint (not counted), with the server allowed on cores 0,1 so "
        + "that its JIT compiler threads are not starved by its request threads (it is moved back to core 0 before "
        + "anything is measured), then runs of 8 s");
  }

  @Test
  void httpRunsShowCpuPerRequestAndWhichCoreWasBusyWhereMeasured() throws IOException {
    http(100_000, 50_000);
    String json = Files.readString(results.resolve("http.json"));
    // the first trivial run measured CPU (2 s of server CPU for 50,000 requests), the others did not
    json = json.replaceFirst("\"socketErrors\":0}", "\"socketErrors\":0,\"serverCpuMicros\":2000000,\"redisCpuMicros\":-1,"
        + "\"coreBusy\":[0.99,0.614]}");
    Files.writeString(results.resolve("http.json"), json);

    String md = Report.render(results);

    assertThat(md).contains("| memory | `GET /v1/whoami` | 1 | 5,000 | 1.50 | 9.00 | 0 | 0 | 40.0 | – | 99% / 61% |");
    assertThat(md).contains("| memory | `POST /v1/reservations` | 1 | 2,500 | 1.50 | 9.00 | 0 | 0 | – | – | – |");
    assertThat(md).contains("| memory | 5,000 | 2,500 | 0.50x | 5 | 40.0 / – |");
  }

  @Test
  void httpRatioAtPointEightMeetsTheTarget() throws IOException {
    http(100_000, 80_000);

    assertThat(Report.render(results)).contains("| memory 0.80x | **met** |");
  }

  private static String redisRow(String client, int keys, int subjects, double throughput, double cpuUs) {
    return "{\"client\":\"" + client + "\",\"keys\":" + keys + ",\"subjects\":" + subjects + ",\"inFlight\":64,"
        + "\"decisions\":1000,\"throughput\":" + throughput + ",\"p50us\":900,\"p99us\":2500,"
        + "\"commandsPerDecision\":3.0,\"commands\":{\"fcall\":50},\"redisCpuUsPerDecision\":" + cpuUs + "}";
  }

  @Test
  void redisRowsShowCpuPerDecisionAndTheTargetsJudgeThroughputRatios() throws IOException {
    Files.writeString(results.resolve("redis.json"), "{\"quotaStoreAvailable\":true,\"privateServer\":true,\"rows\":["
        + redisRow("quota", 10_000, 3, 30_000, 41.25) + "," + redisRow("bucket4j", 10_000, 3, 12_000, 120) + ","
        + redisRow("quota", 1, 1, 60_000, 9.5) + "," + redisRow("bucket4j", 1, 1, 1_500, 300) + "]}");

    String md = Report.render(results);

    assertThat(md).contains("| 10,000 | 3 | 64 | quota | 30,000 | 900 | 2,500 | 3.00 (fcall 0.05) | 41.3 |  |");
    assertThat(md).contains("| 10,000 | 3 | 64 | bucket4j | 12,000 | 900 | 2,500 | 3.00 (fcall 0.05) | 120 | 2.50x |");
    assertThat(md).contains("| hot key | 1 | 64 | quota | 60,000 | 900 | 2,500 | 3.00 (fcall 0.05) | 9.50 |  |");
    assertThat(md).contains("at least 2x Bucket4j-lettuce | 2.50x | **met** |");
    assertThat(md).contains("at least 50x Bucket4j compare-and-swap | 40.00x | **missed** |");
  }

  /** One full-decision result whose fork ran with {@code jvmArgs} (a JSON array, or null for none recorded). */
  private void decisionResult(String jvmArgs) throws IOException {
    Files.writeString(results.resolve("local-decision-t1.json"), "[{\"benchmark\":\"dev.quota.bench.local.DecisionBenchmark.check\","
        + "\"threads\":1," + (jvmArgs == null ? "" : "\"jvmArgs\":" + jvmArgs + ",")
        + "\"warmupIterations\":3,\"warmupTime\":\"1000 ms\",\"measurementIterations\":2,"
        + "\"measurementTime\":\"1000 ms\",\"params\":{\"users\":\"1\"},\"primaryMetric\":{\"score\":500.0},"
        + "\"secondaryMetrics\":{}}]");
  }

  @Test
  void fullDecisionSectionSaysHowEachForkRanWarmedUpAndMeasured() throws IOException {
    decisionResult(null);
    String withoutFlags = Report.render(results);
    decisionResult("[\"-Xms3g\",\"-Xmn512m\"]");

    String md = Report.render(results);

    assertThat(withoutFlags).contains("Each configuration runs in a JVM of its own: 3 x 1000 ms of warm-up, then 2 x 1000 ms measured.");
    assertThat(md).contains("Each configuration runs in a JVM of its own (`-Xms3g -Xmn512m`): 3 x 1000 ms of warm-up, then 2 x 1000 ms measured.");
  }

  @Test
  void heldReservationsAreReportedWithTheirWorkload() throws IOException {
    Files.writeString(results.resolve("memory-held.json"),
        "{\"users\":10000,\"reservations\":200000,\"bytesPerHeldReservation\":91.5}");

    String md = Report.render(results);

    assertThat(md).contains("### JVM heap per held reservation").contains("again after 200,000 more across 10,000 users");
    assertThat(md).contains("| bytes per held reservation |\n|---|\n| " + Report.fmt(91.5) + " |");
  }

  @Test
  void ledgerTargetsJudgePostgresqlOnly() throws IOException {
    Files.writeString(results.resolve("ledger.json"), "{\"callers\":64,\"rows\":["
        + "{\"database\":\"H2 (embedded, file)\",\"rows\":1000,\"seconds\":1.0,\"rowsPerSecond\":1000,\"p50us\":100,"
        + "\"p99us\":900000,\"maxus\":900000},"
        + "{\"database\":\"PostgreSQL (local)\",\"rows\":50000,\"seconds\":2.0,\"rowsPerSecond\":25000,\"p50us\":2000,"
        + "\"p99us\":30000,\"maxus\":40000}]}");

    String md = Report.render(results);

    assertThat(md).contains("| Ledger: at least 20,000 rows/s on PostgreSQL (64 callers) | 25,000 rows/s | **met** |");
    assertThat(md).contains("| Ledger: acknowledgement p99 at most 20 ms on PostgreSQL (64 callers) | 30.0 ms | **missed** | missed by 1.5x |");
  }

  @Test
  void ledgerTargetsTakePostgresqlsMedianRunAndEveryRunIsShown() throws IOException {
    Files.writeString(results.resolve("ledger.json"), "{\"callers\":64,\"runs\":3,\"rows\":["
        + pgRun(1, 12000, 40000) + "," + pgRun(2, 31000, 5000) + "," + pgRun(3, 26000, 9000) + "]}");

    String md = Report.render(results);

    assertThat(md).contains("then 3 measured runs in a row; the targets take PostgreSQL's median run");
    assertThat(md).contains("| PostgreSQL (local) | 1 | 50,000 | 2.0 | 12,000 |");
    assertThat(md).contains("| PostgreSQL (local) | 3 | 50,000 | 2.0 | 26,000 |");
    assertThat(md).contains("| Ledger: at least 20,000 rows/s on PostgreSQL (64 callers) | 26,000 rows/s (median of 3 runs) | **met** |");
    assertThat(md).contains("| Ledger: acknowledgement p99 at most 20 ms on PostgreSQL (64 callers) | 9.00 ms (median of 3 runs) | **met** |");
  }

  private static String pgRun(int run, int rowsPerSecond, long p99us) {
    return "{\"database\":\"PostgreSQL (local)\",\"run\":" + run + ",\"rows\":50000,\"seconds\":2.0,\"rowsPerSecond\":"
        + rowsPerSecond + ",\"p50us\":2000,\"p99us\":" + p99us + ",\"maxus\":40000}";
  }

  @Test
  void missingHttpAndLedgerResultsAreReportedAsNotRun() throws IOException {
    String md = Report.render(results);

    assertThat(md).contains("## D. HTTP (wrk)\n\nNot run.");
    assertThat(md).contains("## F. Ledger\n\nNot run.");
  }
}
