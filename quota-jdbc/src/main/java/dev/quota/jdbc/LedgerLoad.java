package dev.quota.jdbc;

import dev.quota.Money;
import dev.quota.ledger.UsageEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;

/**
 * Durable ledger write throughput and acknowledgement latency: {@code threads} callers append
 * {@code rows} distinct entries in total through one {@link JdbcUsageLedger}.
 *
 * <pre>
 * java -cp ... dev.quota.jdbc.LedgerLoad 'jdbc:postgresql://127.0.0.1:5432/test?user=postgres&amp;currentSchema=load' 64 100000
 * java -cp ... dev.quota.jdbc.LedgerLoad h2:/tmp/quota-load 64 100000
 * </pre>
 *
 * <p>Optional fourth and fifth arguments: warm-up rows (default {@value #WARM_UP_ROWS}) and writer
 * threads (default: the ledger's). Warm up with a few seconds' worth of rows: compiling the JDBC
 * driver and the ledger's write path costs seconds of CPU, which a short warm-up leaves to compete
 * with the measured run.
 */
public final class LedgerLoad {
  /** One run's figures; latencies are per {@code append} call, in microseconds. */
  public record Result(long rows, double seconds, double rowsPerSecond, long p50Micros, long p99Micros, long maxMicros) {
    @Override
    public String toString() {
      return String.format(
          Locale.ROOT,
          "%d rows in %.2f s = %.0f rows/s; ack latency p50 %d us, p99 %d us, max %d us",
          rows, seconds, rowsPerSecond, p50Micros, p99Micros, maxMicros);
    }
  }

  /** Rows appended before measuring, when {@link #main} is not told otherwise. */
  public static final int WARM_UP_ROWS = 30_000;

  private LedgerLoad() {}

  /** Appends {@code rows} entries from {@code threads} threads and measures. */
  public static Result run(JdbcUsageLedger ledger, int threads, int rows) throws InterruptedException {
    int perThread = rows / threads;
    long[][] latencies = new long[threads][perThread];
    String run = UUID.randomUUID().toString().substring(0, 8);
    Instant at = Instant.now();
    CountDownLatch start = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(threads);
    Thread[] workers = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      int self = t;
      workers[t] = new Thread(() -> {
        try {
          start.await();
          for (int i = 0; i < perThread; i++) {
            UsageEntry e = new UsageEntry(
                run + "-" + self + "-" + i, at, Map.of("user", "u" + (i % 1000), "team", "t" + self, "tool", "web_search",
                    "provider", "openai"),
                Money.ofNanos(1_234_567), Map.of("requests", 1L, "tokens", 800L), null, run + "-k-" + self + "-" + i, Money.ZERO);
            long t0 = System.nanoTime();
            ledger.append(e);
            latencies[self][i] = System.nanoTime() - t0;
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } finally {
          done.countDown();
        }
      }, "ledger-load-" + t);
      workers[t].start();
    }
    long t0 = System.nanoTime();
    start.countDown();
    done.await();
    double seconds = (System.nanoTime() - t0) / 1e9;
    long[] all = Arrays.stream(latencies).flatMapToLong(Arrays::stream).sorted().toArray();
    long total = (long) perThread * threads;
    return new Result(
        total, seconds, total / seconds, all[all.length / 2] / 1000, all[(int) (all.length * 0.99)] / 1000, all[all.length - 1] / 1000);
  }

  public static void main(String[] args) throws Exception {
    String target = args.length > 0 ? args[0] : "h2:" + Files.createTempDirectory("quota-load");
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 64;
    int rows = args.length > 2 ? Integer.parseInt(args[2]) : 50_000;
    int warmUp = args.length > 3 ? Integer.parseInt(args[3]) : WARM_UP_ROWS;
    Path spool = Files.createTempDirectory("quota-load-spool");
    try (Database db = target.startsWith("h2:") ? Database.embedded(Path.of(target.substring(3))) : Database.open(target)) {
      JdbcUsageLedger.Builder builder = JdbcUsageLedger.builder(db).spoolDirectory(spool);
      if (args.length > 4) {
        builder.writerThreads(Integer.parseInt(args[4]));
      }
      try (JdbcUsageLedger ledger = builder.build()) {
        if (warmUp >= threads) {
          run(ledger, threads, warmUp);
        }
        System.out.println(db.engine() + " " + threads + " threads: " + run(ledger, threads, rows));
      }
    }
  }
}
