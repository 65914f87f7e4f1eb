package dev.quota.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.plan.CounterOp;
import dev.quota.plan.Plan;
import dev.quota.plan.PlanResult;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two JVM processes share one Redis: limits hold exactly across them. */
class RedisStoreCrossProcessTest {
  private final String prefix = "test:xproc:" + UUID.randomUUID() + ":";
  private RedisStore store;
  private long start;
  private long end;

  @BeforeEach
  void open() {
    store = RedisStore.builder().prefix(prefix).timeout(java.time.Duration.ofSeconds(2)).build();
    long now = store.nowMs();
    start = now - 60_000;
    end = now + 3_600_000;
  }

  @AfterEach
  void drop() {
    store.deleteAll();
    store.close();
  }

  @Test
  void twoProcessesAdmitExactlyTheRateLimitAcrossUserTeamAndProject() throws Exception {
    assertThat(runWorkers("rate")).isEqualTo(100);
    PlanResult r = check("rate");
    assertThat(r.results().get(0).used()).isEqualTo(100);
    assertThat(r.results().get(1).used()).isEqualTo(700);
    assertThat(r.results().get(2).used()).isEqualTo(700);
  }

  @Test
  void twoProcessesNeverSpendBeyondABudget() throws Exception {
    assertThat(runWorkers("budget")).isEqualTo(1000 / 7);
    PlanResult r = check("budget");
    assertThat(r.results().get(2).used()).isEqualTo(1000 / 7 * 7).isLessThanOrEqualTo(1000);
    assertThat(r.results().get(0).used()).isEqualTo(1000 / 7 * 7);
  }

  private PlanResult check(String mode) {
    List<CounterOp> ops = ReservationWorker.ops(mode, start, end);
    return store.apply(new Plan(Plan.Kind.CHECK, ops, null, 0, null, "fp", null, false));
  }

  /** Starts two worker JVMs with 1,000 reservations each; returns the admissions they report. */
  private int runWorkers(String mode) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<Process> workers = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      workers.add(
          new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), ReservationWorker.class.getName(),
                  prefix, "1000", Long.toString(start), Long.toString(end), mode)
              .redirectErrorStream(true)
              .start());
    }
    List<BufferedReader> outputs = new ArrayList<>();
    for (Process p : workers) {
      BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      outputs.add(r);
      StringBuilder before = new StringBuilder();
      for (String line = r.readLine(); !"READY".equals(line); line = r.readLine()) {
        assertThat(line).as("worker ended before READY; it said:%n%s", before).isNotNull();
        before.append(line).append('\n');
      }
    }
    for (Process p : workers) {
      p.getOutputStream().write("go\n".getBytes(StandardCharsets.UTF_8));
      p.getOutputStream().flush();
    }
    int total = 0;
    for (int i = 0; i < workers.size(); i++) {
      Process p = workers.get(i);
      String out;
      try (BufferedReader r = outputs.get(i)) {
        out = String.join("\n", r.lines().toList());
      }
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(out).isZero();
      String line = out.lines().filter(l -> l.startsWith("ADMITTED ")).findFirst().orElseThrow(() -> new AssertionError(out));
      int n = Integer.parseInt(line.substring("ADMITTED ".length()));
      System.out.println(mode + ": one process admitted " + n);
      total += n;
    }
    return total;
  }
}
