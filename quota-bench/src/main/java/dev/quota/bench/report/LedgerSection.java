package dev.quota.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** Section F of the report: durable ledger writes. */
final class LedgerSection {
  private static final double ROWS_GOAL = 20_000;
  private static final double P99_GOAL_MS = 20;

  private LedgerSection() {}

  static void render(StringBuilder md, JsonNode ledger, Targets targets) {
    md.append("## F. Ledger\n\n");
    if (ledger == null) {
      md.append("Not run.\n\n");
      targets.add("Ledger: at least 20,000 rows/s on PostgreSQL", "not run", null, "");
      return;
    }
    md.append("`LedgerLoad.run` from quota-jdbc: ").append(ledger.path("callers").asInt())
        .append(" caller threads append distinct usage entries (four subjects, two meters, a cost) through one "
            + "`JdbcUsageLedger`, which group-commits them; a call returns once its row is committed, and its "
            + "acknowledgement latency is the time that call took. A warm-up of ")
        .append(String.format(Locale.ROOT, "%,d", ledger.path("warmUpRows").asInt()))
        .append(" rows on the same ledger comes first, then ")
        .append(ledger.path("runs").asInt(1) == 1 ? "one measured run" : ledger.path("runs").asInt(1) + " measured runs in a row")
        .append("; the targets take PostgreSQL's median run. H2 is the embedded file database (`WRITE_DELAY=0`, each commit written through) in a fresh "
            + "directory; PostgreSQL is the local server")
        .append(ledger.hasNonNull("postgresSettings") ? " (" + ledger.path("postgresSettings").asText() + ")" : "")
        .append(", in a schema of its own dropped afterwards. Neither the database nor the callers are pinned: "
            + "the callers, the writer threads and PostgreSQL share both cores.\n\n");
    md.append("| database | run | rows | seconds | rows/s | ack p50 ms | ack p99 ms | ack max ms |\n")
        .append("|---|---|---|---|---|---|---|---|\n");
    List<Double> pgRows = new ArrayList<>();
    List<Double> pgP99 = new ArrayList<>();
    for (JsonNode r : ledger.path("rows")) {
      if (r.hasNonNull("error")) {
        md.append("| ").append(r.path("database").asText()).append(" | failed: ")
            .append(r.path("error").asText().replace('\n', ' ')).append(" | | | | | | |\n");
        continue;
      }
      md.append("| ").append(r.path("database").asText()).append(" | ").append(r.path("run").asInt(1)).append(" | ")
          .append(String.format(Locale.ROOT, "%,d", r.path("rows").asLong())).append(" | ")
          .append(String.format(Locale.ROOT, "%.1f", r.path("seconds").asDouble())).append(" | ")
          .append(String.format(Locale.ROOT, "%,.0f", r.path("rowsPerSecond").asDouble())).append(" | ")
          .append(HttpSection.ms(r.path("p50us").asLong())).append(" | ").append(HttpSection.ms(r.path("p99us").asLong()))
          .append(" | ").append(HttpSection.ms(r.path("maxus").asLong())).append(" |\n");
      if (r.path("spoolNonEmptyAtEnd").asBoolean()) {
        md.append("| | | **rows were spooled to local disk by the end of this run: the database refused or was unreachable** | | | | | |\n");
      }
      if (r.path("database").asText().startsWith("PostgreSQL")) {
        pgRows.add(r.path("rowsPerSecond").asDouble());
        pgP99.add(r.path("p99us").asLong() / 1000.0);
      }
    }
    md.append('\n');
    if (pgRows.isEmpty()) {
      targets.add("Ledger: at least 20,000 rows/s on PostgreSQL", "not measured", null, "");
      targets.add("Ledger: acknowledgement p99 at most 20 ms on PostgreSQL", "not measured", null, "");
      return;
    }
    double rows = median(pgRows);
    double p99 = median(pgP99);
    String of = pgRows.size() == 1 ? "" : " (median of " + pgRows.size() + " runs)";
    targets.add("Ledger: at least 20,000 rows/s on PostgreSQL (64 callers)",
        String.format(Locale.ROOT, "%,.0f rows/s", rows) + of, rows >= ROWS_GOAL,
        rows >= ROWS_GOAL ? "" : String.format(Locale.ROOT, "missed: %.2fx of the goal", rows / ROWS_GOAL));
    targets.add("Ledger: acknowledgement p99 at most 20 ms on PostgreSQL (64 callers)",
        Report.fmt(p99) + " ms" + of, p99 <= P99_GOAL_MS,
        p99 <= P99_GOAL_MS ? "" : String.format(Locale.ROOT, "missed by %.1fx", p99 / P99_GOAL_MS));
  }

  /** The middle value (the mean of the two middle ones for an even count). */
  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
