package dev.quota.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Budget;
import dev.quota.LimitKind;
import dev.quota.LimitStatus;
import dev.quota.Money;
import dev.quota.Policy;
import dev.quota.Quota;
import dev.quota.QuotaRequest;
import dev.quota.Subject;
import dev.quota.admin.AuditEntry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Spend recorded by a process that is killed with SIGKILL survives: a new process sees exactly the
 * acknowledged spend (plus at most the one record in flight) and still enforces the budget.
 */
class CrashRecoveryTest {
  static final Instant NOW = Instant.parse("2025-03-10T12:00:00Z");
  static final Money DAILY = Money.of("1000");
  @TempDir Path dir;

  static Database open(String target) {
    if (target.startsWith("h2:")) {
      return Database.embedded(Path.of(target.substring(3)));
    }
    return Database.open(Backend.pgUrl(Backend.PG_URL, target.substring(3)), Backend.PG_USER, null);
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void spendSurvivesSigkillAndTheBudgetIsStillEnforced(Backend backend) throws Exception {
    String target = backend == Backend.H2
        ? "h2:" + dir.resolve("data")
        : "pg:" + Backend.newSchemaName();
    try {
      try (Database db = open(target)) {
        new JdbcConfigRepository(db).putPolicy(
            Policy.builder("user:*").budget(Budget.of("USD", DAILY, null, null)).build(),
            replaced -> new AuditEntry(0, NOW, "test", "policy.create", "user:*", null, null, "crash test"));
      }

      long acknowledged = runAndKill(target, 20);

      Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
      try (Database db = open(target);
          JdbcUsageLedger ledger = JdbcUsageLedger.builder(db).spoolDirectory(dir.resolve("spool")).build();
          Quota quota = Quota.builder().clock(clock).config(new JdbcConfigRepository(db)).ledger(ledger).build()) {
        Money spent = Money.ofNanos(
            ledger.spent(Map.of("user", "alice"), NOW.minusSeconds(86_400), NOW.plusSeconds(86_400)).saturatedNanos());
        // Every acknowledged record is there; at most the one in flight at the kill is extra.
        assertThat(spent.nanos()).isBetween(Money.of(String.valueOf(acknowledged)).nanos(),
            Money.of(String.valueOf(acknowledged + 1)).nanos());

        // A fresh in-memory store lost every counter; the engine seeds the budget from the ledger.
        quota.check(request("0"));
        assertThat(quota.usage(Subject.of("user", "alice")))
            .filteredOn(l -> l.kind() == LimitKind.BUDGET_DAILY)
            .extracting(LimitStatus::used)
            .contains(spent.nanos());
        Money remaining = DAILY.minus(spent);
        assertThat(quota.reserve(request(remaining.plus(Money.ofNanos(1)).toPlainString())).admitted()).isFalse();
        assertThat(quota.reserve(request(remaining.toPlainString())).admitted()).isTrue();
      }
    } finally {
      if (target.startsWith("pg:")) {
        Backend.dropSchema(target.substring(3));
      }
    }
  }

  static QuotaRequest request(String cost) {
    return new QuotaRequest(Map.of("user", "alice"), Money.of(cost), null, null, null);
  }

  /** Starts the child, kills it with SIGKILL after {@code atLeast} acknowledgements, returns the last one it printed. */
  private long runAndKill(String target, int atLeast) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child =
        new ProcessBuilder(
                java, "-cp", System.getProperty("java.class.path"), RecoveryChild.class.getName(),
                target, dir.resolve("spool").toString(), NOW.toString())
            .redirectError(dir.resolve("child.err").toFile())
            .start();
    long last = 0;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith("ACK ")) {
          last = Long.parseLong(line.substring(4));
          if (last == atLeast) {
            // SIGKILL through the handle: Process.destroyForcibly would also close our end of the pipe.
            child.toHandle().destroyForcibly();
          }
        }
      }
    } finally {
      child.destroyForcibly();
      assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(last).as("acknowledgements before the kill; see " + dir.resolve("child.err")).isGreaterThanOrEqualTo(atLeast);
    // 137 = killed by SIGKILL: the child never shut down cleanly.
    assertThat(child.exitValue()).isEqualTo(137);
    return last;
  }
}
