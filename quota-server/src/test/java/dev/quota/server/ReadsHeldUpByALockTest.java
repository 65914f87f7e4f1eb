package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.jdbc.Database;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Regression: on PostgreSQL a report, and a decision that rebuilds a lost budget from the ledger,
 * waited for as long as another session held a lock on {@code usage_entry} (a migration, an
 * operator's {@code LOCK TABLE}), each holding a request thread and a pooled connection. With the
 * shared pool's sessions bounded they answer 503 {@code database-busy} while the lock is still held,
 * change nothing, and answer as usual once it is released. The bounds are shortened here; the
 * guard (the JUnit timeout, and the test client's 20 s) only catches a request that waits on.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ReadsHeldUpByALockTest {
  private static final Duration SHORT = Duration.ofMillis(500);
  private static final Duration LONG = Duration.ofSeconds(30);
  /** Well under the test client's 20 s and the guard, well over the short bound. */
  private static final Duration ANSWERED_WITHIN = Duration.ofSeconds(10);
  private static final String BUDGET = "{\"budget\":{\"currency\":\"USD\",\"daily\":\"5.00\"}}";

  private final PostgresSchema schema = new PostgresSchema();

  @AfterEach
  void drop() {
    schema.drop();
  }

  private TestServer server(Database.Bounds bounds) {
    return TestServer.withBounds(schema.url(), UnaryOperator.identity(), bounds);
  }

  @Test
  void aReportBehindALockIsAnswered503BusyWithinTheLockBound() throws Exception {
    try (TestServer server = server(new Database.Bounds(SHORT, LONG));
        Connection holder = DriverManager.getConnection(schema.url())) {
      Api admin = server.admin;
      assertThat(admin.post("/v1/usage", "{\"subjects\":{\"user\":\"ann\"},\"cost\":\"1.25\"}").status()).isEqualTo(200);

      lockTheLedger(holder);
      long started = System.nanoTime();
      Api.Response refused = admin.get("/v1/reports/costs");
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(ANSWERED_WITHIN);
      assertBusy(refused, "the database is busy: a conflicting change is in progress; the request changed nothing; retry shortly");

      holder.rollback();
      Api.Response report = admin.get("/v1/reports/costs");
      assertThat(report.status()).as(report.toString()).isEqualTo(200);
      assertThat(report.body()).contains("1.25");
    }
  }

  @Test
  void aReportPastTheStatementBoundIsAnswered503BusyWithinIt() throws Exception {
    // The statement bound ends the wait before the lock bound would: a statement that does not finish.
    try (TestServer server = server(new Database.Bounds(LONG, SHORT));
        Connection holder = DriverManager.getConnection(schema.url())) {
      Api admin = server.admin;
      lockTheLedger(holder);
      long started = System.nanoTime();
      Api.Response refused = admin.get("/v1/reports/costs");
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(ANSWERED_WITHIN);
      assertBusy(refused, "the database is busy and did not finish the request in time; the request changed nothing; retry shortly");

      holder.rollback();
      assertThat(admin.get("/v1/reports/costs").status()).isEqualTo(200);
    }
  }

  /**
   * A fresh in-memory store has no budget counters, so a subject's first decision rebuilds its
   * budget from the ledger's spend. Behind the lock that read gives up, and the decision answers
   * 503 as it does while the database is away, rather than guess the spend; nothing is reserved,
   * so the decision after the lock counts only the spend in the ledger.
   */
  @Test
  void aBudgetRebuildBehindALockEndsWithinTheBoundAnd503AsInAnOutage() throws Exception {
    try (TestServer server = server(new Database.Bounds(SHORT, LONG));
        Connection holder = DriverManager.getConnection(schema.url())) {
      Api admin = server.admin;
      assertThat(admin.put("/v1/policies/user:*", BUDGET).status()).isEqualTo(201);
      assertThat(admin.post("/v1/usage", "{\"subjects\":{\"user\":\"bo\"},\"cost\":\"1.00\"}").status()).isEqualTo(200);
      String reservation = "{\"subjects\":{\"user\":\"cy\"},\"estimatedCost\":\"2.00\"}";
      try (Connection writer = DriverManager.getConnection(schema.url());
          Statement s = writer.createStatement()) {
        // Spend the ledger holds and this server's counters never saw, as after a restart.
        s.executeUpdate("INSERT INTO usage_entry (id, at, usage_day, user_id, subjects, amount, meters, overrun, currency)"
            + " SELECT 'earlier-cy', at, usage_day, 'cy', '{\"user\":\"cy\"}', 1.5, '{}', 0, 'USD' FROM usage_entry"
            + " WHERE user_id = 'bo'");
      }

      lockTheLedger(holder);
      long started = System.nanoTime();
      Api.Response refused = admin.post("/v1/reservations", reservation);
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(ANSWERED_WITHIN);
      assertBusy(refused, "the database is busy: a conflicting change is in progress; the request changed nothing; retry shortly");
      holder.rollback();

      Api.Response reserved = admin.post("/v1/reservations", reservation);
      assertThat(reserved.status()).as(reserved.toString()).isEqualTo(201);
      // The 1.50 the ledger holds and this reservation's 2.00: nothing of the refused one.
      assertThat(reserved.json().get("limits").get(0).get("used").asText()).isEqualTo("3.50");
    }
  }

  private static void lockTheLedger(Connection holder) throws Exception {
    holder.setAutoCommit(false);
    try (Statement s = holder.createStatement()) {
      s.execute("LOCK TABLE usage_entry IN ACCESS EXCLUSIVE MODE");
    }
  }

  private static void assertBusy(Api.Response r, String detail) {
    assertThat(r.status()).as(r.toString()).isEqualTo(503);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.header("Retry-After")).isEqualTo("1");
    assertThat(r.json().get("type").asText()).isEqualTo("urn:quota:problem:database-busy");
    assertThat(r.json().get("title").asText()).isEqualTo("Database busy");
    assertThat(r.json().get("detail").asText()).isEqualTo(detail);
    assertThat(r.body()).doesNotContain("Exception", "SQLSTATE", "usage_entry", "timeout");
  }
}
