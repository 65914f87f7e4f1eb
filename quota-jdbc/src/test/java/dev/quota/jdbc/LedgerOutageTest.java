package dev.quota.jdbc;

import static dev.quota.jdbc.Entries.forUser;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.Money;
import dev.quota.MoneyTotal;
import dev.quota.ledger.UsageEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL goes away and comes back (a proxy the test cuts and restores): acknowledged entries
 * survive in the spool, are replayed exactly once, and nothing is lost or counted twice.
 */
class LedgerOutageTest {
  static final Instant T0 = Instant.parse("2025-03-10T12:00:00Z");
  static final Instant FAR = Instant.parse("2100-01-01T00:00:00Z");
  @TempDir Path dir;
  TcpProxy proxy;
  String schema;
  Database db;

  @BeforeEach
  void start() throws Exception {
    proxy = new TcpProxy(5432);
    schema = Backend.newSchemaName();
    db = Database.open(
        Backend.pgUrl("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/test", schema), Backend.PG_USER, null);
  }

  @AfterEach
  void stop() throws Exception {
    db.close();
    proxy.close();
    Backend.dropSchema(schema);
  }

  JdbcUsageLedger ledger() {
    // Probing is left to explicit replays so the test controls when the database is retried.
    return JdbcUsageLedger.builder(db).spoolDirectory(dir.resolve("spool")).probeInterval(Duration.ofHours(1)).build();
  }

  /** Counts and sums behind the proxy's back, straight on the server. */
  long[] countAndSumNanos() throws SQLException {
    try (Connection c = DriverManager.getConnection(Backend.pgUrl(Backend.PG_URL, schema), Backend.PG_USER, null);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*), COALESCE(SUM(amount), 0) * 1000000000 FROM usage_entry")) {
      rs.next();
      return new long[] {rs.getLong(1), rs.getBigDecimal(2).longValueExact()};
    }
  }

  /**
   * Replays the spool once the database answers again, and returns how many entries left it. While
   * the database was away the connection pool backed off between attempts (its pauses double, up
   * to seconds), so a replay right after the restore may still find no connection and leave the
   * spool as it was; the ledger's own probe retries the same way. Each failed attempt waits out the
   * pool's connection timeout, so the loop needs no pause of its own.
   */
  static long replayOnceBack(JdbcUsageLedger ledger) {
    long before = ledger.spooledEntries();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      long left = ledger.spooledEntries();
      try {
        assertThat((long) ledger.replaySpool()).isEqualTo(left); // a replay reports what it replayed
        return before - ledger.spooledEntries();
      } catch (LedgerUnavailableException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
      }
    }
  }

  @Test
  void entriesAcknowledgedDuringAnOutageAreSpooledAndReplayedExactlyOnce() throws Exception {
    try (var ledger = ledger()) {
      for (int i = 0; i < 50; i++) {
        ledger.append(forUser("before" + i, T0, "alice", "1"));
      }
      proxy.cut();
      for (int i = 0; i < 30; i++) {
        ledger.append(forUser("during" + i, T0, "alice", "2"));
      }
      // Repeats of keys already in the database and already in the spool: the spool can tell only
      // the second, so the first waits there as a line the replay will find already inserted.
      ledger.append(forUser("before7", T0, "alice", "1"));
      ledger.append(forUser("during3", T0, "alice", "2"));

      assertThat(ledger.spooledEntries()).isEqualTo(31);
      assertThat(Files.size(dir.resolve("spool/ledger.spool"))).isPositive();
      assertThatThrownBy(() -> ledger.spent(Map.of("user", "alice"), T0, FAR))
          .isInstanceOf(LedgerUnavailableException.class)
          .hasMessageContaining("31 entries stay in the spool");
      assertThat(countAndSumNanos()).containsExactly(50, 50_000_000_000L);

      proxy.restore();
      assertThat(replayOnceBack(ledger)).isEqualTo(31);
      assertThat(ledger.spooledEntries()).isZero();
      assertThat(ledger.replaySpool()).isZero();
      assertThat(countAndSumNanos()).containsExactly(80, 110_000_000_000L);
      assertThat(ledger.spent(Map.of("user", "alice"), T0, FAR)).isEqualTo(MoneyTotal.of("110"));

      ledger.append(forUser("after", T0, "alice", "5"));
      assertThat(countAndSumNanos()).containsExactly(81, 115_000_000_000L);
    }
  }

  /**
   * A lookup by key while the database is away answers "not known" instead of failing: the engine
   * then trusts the store's memory of the key, so usage the spool would take is not refused.
   */
  @Test
  void aLookupByKeyDuringAnOutageAnswersNotKnownAndTheSpooledEntryIsFoundOnceBack() throws Exception {
    try (var ledger = ledger()) {
      ledger.append(forUser("before", T0, "alice", "1"));
      proxy.cut();
      ledger.append(forUser("during", T0, "alice", "2"));
      assertThat(ledger.withIdempotencyKey("k-before")).isEmpty();
      assertThat(ledger.withReservationId("res-x")).isEmpty();

      proxy.restore();
      assertThat(replayOnceBack(ledger)).isEqualTo(1);
      assertThat(ledger.withIdempotencyKey("k-before")).map(UsageEntry::id).contains("before");
      assertThat(ledger.withIdempotencyKey("k-during")).map(UsageEntry::id).contains("during");
    }
  }

  @Test
  void cuttingTheDatabaseUnderConcurrentLoadLosesNothingAndCountsNothingTwice() throws Exception {
    int total = 2000;
    CountDownLatch firstThird = new CountDownLatch(total / 3);
    CountDownLatch secondThird = new CountDownLatch(2 * total / 3);
    try (var ledger = ledger()) {
      ExecutorService pool = Executors.newFixedThreadPool(16);
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < total; i++) {
        String id = "e" + i;
        futures.add(
            pool.submit(
                () -> {
                  ledger.append(forUser(id, T0, "u" + (id.hashCode() & 7), "0.000000003"));
                  firstThird.countDown();
                  secondThird.countDown();
                  return null;
                }));
      }
      // Cut while commits are in flight, then bring the database back, while load continues.
      assertThat(firstThird.await(60, TimeUnit.SECONDS)).isTrue();
      proxy.cut();
      assertThat(secondThird.await(60, TimeUnit.SECONDS)).isTrue();
      proxy.restore();
      for (Future<?> f : futures) {
        f.get();
      }
      pool.shutdown();
      replayOnceBack(ledger);

      assertThat(countAndSumNanos()).containsExactly(total, 3L * total);
      assertThat(ledger.spent(Map.of("team", "core"), T0, FAR)).isEqualTo(MoneyTotal.ofNanos(3L * total));
    }
  }

  @Test
  void aSpoolLeftByAStoppedProcessIsReplayedByTheNextOne() throws Exception {
    var first = ledger();
    first.append(forUser("a", T0, "bob", "1"));
    proxy.cut();
    first.append(forUser("b", T0, "bob", "2"));
    first.append(forUser("c", T0, "bob", "4"));
    first.close();
    proxy.restore();

    try (var second = ledger()) {
      assertThat(second.spent(Map.of("user", "bob"), T0, FAR)).isEqualTo(MoneyTotal.of("7"));
      assertThat(second.spooledEntries()).isZero();
    }
    assertThat(countAndSumNanos()).containsExactly(3, 7_000_000_000L);
  }
}
