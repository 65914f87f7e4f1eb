package dev.quota.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.Budget;
import dev.quota.LimitKind;
import dev.quota.Money;
import dev.quota.Policy;
import dev.quota.Quota;
import dev.quota.QuotaRequest;
import dev.quota.Subject;
import dev.quota.ledger.MemoryLedger;
import dev.quota.store.MemoryStore;
import dev.quota.store.conformance.MutableClock;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL goes away (a proxy the test cuts) while another server changes a budget's calendar.
 * This server's reload fails, the snapshot in force stays and its decisions keep their answers;
 * once the database is back, its reload takes up the new calendar from then, recording that later
 * time, and the day's spend under the old calendar is still counted.
 */
class BudgetCounterSetOutageTest {
  private static final Subject ALICE = Subject.of("user", "alice");
  private final MutableClock clock = new MutableClock(Instant.parse("2026-06-15T09:00:00Z"));
  @TempDir Path dir;
  private TcpProxy proxy;
  private String schema;
  private Database proxied;
  private Database direct;

  @BeforeEach
  void open() throws Exception {
    proxy = new TcpProxy(5432);
    schema = Backend.newSchemaName();
    proxied = Database.open(
        Backend.pgUrl("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/test", schema), Backend.PG_USER, null);
    direct = Database.open(Backend.pgUrl(Backend.PG_URL, schema), Backend.PG_USER, null);
  }

  @AfterEach
  void close() throws Exception {
    proxied.close();
    direct.close();
    proxy.close();
    Backend.dropSchema(schema);
  }

  private Quota start(Database db) {
    return Quota.builder().clock(clock).config(new JdbcConfigRepository(db)).ledger(new MemoryLedger())
        .store(new MemoryStore(clock)).build();
  }

  private void at(String time) {
    clock.advance(Duration.between(clock.instant(), Instant.parse("2026-06-15T" + time + ":00Z")));
  }

  private static void budget(Quota q, ZoneId zone) {
    q.admin().putPolicy(
        Policy.builder("user:*")
            .budget(new Budget("USD", Money.of("1.00"), null, null, zone, LocalTime.MIDNIGHT, 1))
            .build(),
        "admin@test", "calendar");
  }

  private static boolean records(Quota q, String cost) {
    return q.record(QuotaRequest.builder().user("alice").estimatedCost(cost).build()).admitted();
  }

  /** Whether {@code cost} would be admitted now; holds nothing. */
  private static boolean admits(Quota q, String cost) {
    return q.check(QuotaRequest.builder().user("alice").estimatedCost(cost).build()).admitted();
  }

  private static BigDecimal usedToday(Quota q) {
    return q.usage(ALICE).stream()
        .filter(l -> l.kind() == LimitKind.BUDGET_DAILY).findFirst().orElseThrow().usedAmount();
  }

  @Test
  void aReloadDuringAnOutageKeepsTheSnapshotAndTheNextOneRecordsTheLaterTime() throws Exception {
    try (Quota server = start(proxied)) {
      budget(server, ZoneOffset.UTC);
      at("10:00");
      assertThat(records(server, "0.60")).isTrue();
      proxy.cut();
      at("11:00");
      try (Quota other = start(direct)) {
        budget(other, ZoneId.of("America/New_York")); // its day began at 04:00 UTC
      }

      at("11:01");
      assertThatThrownBy(server::reloadConfig).isInstanceOf(DatabaseException.class);
      assertThat(records(server, "0.30")).isTrue();
      assertThat(admits(server, "0.20")).isFalse();
      assertThat(admits(server, "0.10")).isTrue();

      proxy.restore();
      at("11:30");
      reloadOnceBack(server);

      assertThat(new JdbcConfigRepository(direct).budgetCountersSince(
              currentFingerprint(direct), clock.millis() + 60_000, false))
          .isEqualTo(Instant.parse("2026-06-15T11:30:00Z").toEpochMilli());
      assertThat(usedToday(server)).isEqualByComparingTo("0.90");
      assertThat(admits(server, "0.11")).isFalse();
      assertThat(admits(server, "0.10")).isTrue();
    }
  }

  /**
   * Reloads until the database answers again, as the server's reload every two seconds does: the
   * first tries after the outage may still meet connections the outage broke.
   */
  private static void reloadOnceBack(Quota server) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        server.reloadConfig();
        return;
      } catch (DatabaseException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
      }
    }
  }

  private static String currentFingerprint(Database db) throws Exception {
    try (var c = db.connection();
        var rs = c.createStatement().executeQuery("SELECT fingerprint FROM budget_counter_set")) {
      rs.next();
      return rs.getString(1);
    }
  }
}
