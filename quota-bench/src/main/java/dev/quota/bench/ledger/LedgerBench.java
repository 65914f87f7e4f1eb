package dev.quota.bench.ledger;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.quota.bench.Profile;
import dev.quota.jdbc.Database;
import dev.quota.jdbc.JdbcUsageLedger;
import dev.quota.jdbc.LedgerLoad;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Workload F: durable ledger writes. {@link LedgerLoad} appends distinct usage entries from 64
 * callers through one {@link JdbcUsageLedger} (group commit); each call returns once its row is
 * committed. Measured on the embedded H2 database (a fresh data directory) and on PostgreSQL (a
 * schema of its own, dropped afterwards), after a warm-up of {@link LedgerLoad#WARM_UP_ROWS} rows on
 * the same ledger (the JIT of the driver and the write path would otherwise overlap the measurement).
 * Each database is measured {@link #RUNS} times in a row, so that one run slowed by the machine (a
 * checkpoint, another process's disk writes) shows as such; the report judges the median run.
 */
public final class LedgerBench {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  public static final int CALLERS = 64;
  public static final int RUNS = 3;

  private LedgerBench() {}

  public static void run(Profile profile, Path results) throws IOException {
    String postgres = System.getProperty("bench.postgres.url", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
    List<Map<String, Object>> rows = new ArrayList<>();
    Path h2 = Files.createTempDirectory("quota-ledger-h2");
    try {
      rows.addAll(measure("H2 (embedded, file)", () -> Database.embedded(h2), profile.ledgerRows(), null));
    } finally {
      deleteTree(h2);
    }
    String schema = "bench_ledger_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    String url = postgres + (postgres.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    rows.addAll(measure("PostgreSQL (local, schema of its own)", () -> Database.open(url), profile.ledgerRows(), schema));

    Map<String, Object> out = new LinkedHashMap<>();
    out.put("callers", CALLERS);
    out.put("runs", RUNS);
    out.put("warmUpRows", LedgerLoad.WARM_UP_ROWS);
    out.put("postgresSettings", postgresSettings(postgres));
    out.put("rows", rows);
    JSON.writeValue(results.resolve("ledger.json").toFile(), out);
  }

  /** The database's measured runs, in order; a failure is one entry with its error. */
  private static List<Map<String, Object>> measure(String what, Supplier<Database> open, int rows, String dropSchema)
      throws IOException {
    List<Map<String, Object>> runs = new ArrayList<>();
    Path spool = Files.createTempDirectory("quota-ledger-spool");
    try (Database db = open.get()) {
      try (JdbcUsageLedger ledger = JdbcUsageLedger.builder(db).spoolDirectory(spool).build()) {
        LedgerLoad.run(ledger, CALLERS, LedgerLoad.WARM_UP_ROWS);
        for (int run = 1; run <= RUNS; run++) {
          LedgerLoad.Result r = LedgerLoad.run(ledger, CALLERS, rows);
          System.out.println("ledger " + what + " run " + run + ": " + r);
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("database", what);
          m.put("run", run);
          m.put("rows", r.rows());
          m.put("seconds", r.seconds());
          m.put("rowsPerSecond", r.rowsPerSecond());
          m.put("p50us", r.p50Micros());
          m.put("p99us", r.p99Micros());
          m.put("maxus", r.maxMicros());
          m.put("spoolNonEmptyAtEnd", spoolBytes(spool) > 0);
          runs.add(m);
        }
      } finally {
        if (dropSchema != null) {
          try (Connection c = db.connection(); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + dropSchema + " CASCADE");
          }
        }
      }
    } catch (Exception e) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("database", what);
      m.put("error", String.valueOf(e.getMessage()));
      runs.add(m);
    } finally {
      deleteTree(spool);
    }
    return runs;
  }

  /** Whether a commit waits for the disk: without it "durable" would mean less than it says. */
  private static String postgresSettings(String url) {
    StringBuilder sb = new StringBuilder();
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
      for (String name : List.of("server_version", "fsync", "synchronous_commit", "wal_sync_method")) {
        try (ResultSet rs = s.executeQuery("SHOW " + name)) {
          rs.next();
          sb.append(sb.length() > 0 ? ", " : "").append(name).append('=').append(rs.getString(1));
        }
      }
    } catch (SQLException e) {
      return "settings unknown: " + e.getMessage();
    }
    return sb.toString();
  }

  /** Anything in the spool means some rows went to local disk instead of the database: flag it. */
  private static long spoolBytes(Path spool) throws IOException {
    try (var s = Files.walk(spool)) {
      return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
