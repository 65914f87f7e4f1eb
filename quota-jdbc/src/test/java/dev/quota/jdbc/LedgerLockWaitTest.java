package dev.quota.jdbc;

import static dev.quota.jdbc.Entries.entry;
import static dev.quota.jdbc.Entries.forUser;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.MoneyTotal;
import dev.quota.ValidationException;
import dev.quota.jdbc.internal.LedgerRows;
import dev.quota.ledger.UsageEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A ledger write the database holds up (another session's table lock or uncommitted row, a
 * statement that does not finish) gives up within the writers' bounds and is handled as in an
 * outage: the entries are spooled and fsynced, their callers answered while the lock is still
 * held, and once it is released the replay writes each of them exactly once. PostgreSQL would
 * otherwise keep the writers, and every caller of their batches, waiting for as long as the lock
 * lasts.
 *
 * <p>No test waits for time to pass: each waits for the calls themselves, with a guard far longer
 * than the bounds, and ends the lock holder's transaction explicitly.
 */
class LedgerLockWaitTest {
  static final Instant T0 = Instant.parse("2025-03-10T12:00:00Z");
  static final Instant FAR = Instant.parse("2100-01-01T00:00:00Z");
  /** How long the test waits for a call the ledger must answer within its bounds (seconds). */
  static final long GUARD = 60;
  @TempDir Path dir;
  final ExecutorService callers = Executors.newCachedThreadPool();

  @AfterEach
  void stopCallers() {
    callers.shutdownNow();
  }

  /**
   * Replays are left to the test (an hour between probes), so it decides when the database is
   * tried again; the clock makes the entries at {@code T0} recent, so batches take the usual path.
   */
  JdbcUsageLedger.Builder ledger(Backend.TestDb t) {
    return JdbcUsageLedger.builder(t.db).spoolDirectory(dir.resolve("spool")).probeInterval(Duration.ofHours(1))
        .clock(Clock.fixed(T0.plus(Duration.ofHours(1)), ZoneOffset.UTC));
  }

  @ParameterizedTest
  @ValueSource(strings = {"ACCESS EXCLUSIVE", "SHARE"})
  void appendsHeldUpByATableLockAreSpooledWhileItIsHeldAndWrittenOnceAfter(String mode) throws Exception {
    try (var t = Backend.POSTGRES.open(dir);
        var ledger = ledger(t).build();
        Connection holder = t.db.connection()) {
      ledger.append(forUser("before", T0, "alice", "1"));
      holder.setAutoCommit(false);
      Sql.execute(holder, "LOCK TABLE usage_entry IN " + mode + " MODE");

      List<Future<?>> appends = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        UsageEntry e = forUser("held" + i, T0, "alice", "2");
        appends.add(callers.submit(() -> ledger.append(e)));
      }
      // Repeats of a key already in the table and of one appended meanwhile: neither may count twice.
      appends.add(callers.submit(() -> ledger.append(forUser("before", T0, "alice", "1"))));
      appends.add(callers.submit(() -> ledger.append(forUser("held3", T0, "alice", "2"))));
      for (Future<?> append : appends) {
        append.get(GUARD, TimeUnit.SECONDS); // unbounded, this would wait for the holder, which only this thread ends
      }

      // Answered while the lock is still held, with nothing written behind it: all in the spool.
      assertThat(locksHeldBy(holder)).contains(lockName(mode));
      assertThat(Sql.number(holder, "SELECT COUNT(*) FROM usage_entry")).isOne();
      assertThat(ledger.spooledEntries()).isEqualTo(21);
      assertThat(spooledIds()).hasSize(21).contains("before", "held0", "held3", "held19");

      holder.commit();
      assertThat(ledger.replaySpool()).isEqualTo(21);
      assertThat(ledger.spooledEntries()).isZero();
      assertThat(ledger.replaySpool()).isZero();
      assertThat(t.queryLong("SELECT COUNT(*) FROM usage_entry")).isEqualTo(21);
      assertThat(t.queryLong("SELECT COUNT(DISTINCT id) FROM usage_entry")).isEqualTo(21);
      assertThat(ledger.spent(Map.of("user", "alice"), T0, FAR)).isEqualTo(MoneyTotal.of("41"));

      // Back to normal: the next entry goes straight to the table.
      ledger.append(forUser("after", T0, "alice", "5"));
      assertThat(ledger.spooledEntries()).isZero();
      assertThat(t.queryLong("SELECT COUNT(*) FROM usage_entry WHERE id = 'after'")).isOne();
    }
  }

  /**
   * Another session inserted a row with the same key and has not committed: the write waits for
   * that row's fate, on PostgreSQL up to the lock timeout, on H2 up to H2's lock timeout (the same
   * 2 s, set on the writers' sessions as well), then is spooled. Once that session rolls back the
   * entry is written, once.
   */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void anAppendHeldUpByAnUncommittedRowWithItsKeyIsSpooledAndWrittenOnceAfter(Backend backend) throws Exception {
    try (var t = backend.open(dir);
        var ledger = ledger(t).build();
        Connection holder = t.db.connection()) {
      ledger.append(forUser("before", T0, "alice", "1"));
      holder.setAutoCommit(false);
      Sql.execute(holder, "INSERT INTO usage_entry (id, at, usage_day, subjects, amount, meters, overrun)"
          + " VALUES ('contested', TIMESTAMP WITH TIME ZONE '2025-03-10 12:00:00+00', DATE '2025-03-10', '{}', 9, '{}', 0)");

      Future<?> append = callers.submit(() -> ledger.append(forUser("contested", T0, "alice", "2")));
      append.get(GUARD, TimeUnit.SECONDS);
      assertThat(ledger.spooledEntries()).isOne();
      assertThat(spooledIds()).containsExactly("contested");

      holder.rollback();
      assertThat(ledger.replaySpool()).isOne();
      assertThat(t.queryLong("SELECT COUNT(*) FROM usage_entry WHERE id = 'contested'")).isOne();
      assertThat(ledger.spent(Map.of("user", "alice"), T0, FAR)).isEqualTo(MoneyTotal.of("3"));
    }
  }

  /**
   * A statement the server does not finish (a trigger stands in for a full disk or a stuck
   * replica) is cancelled by the statement timeout, and its batch spooled like any other.
   */
  @Test
  void aStatementThatDoesNotFinishIsCancelledAndItsBatchSpooled() throws Exception {
    try (var t = Backend.POSTGRES.open(dir);
        var ledger = ledger(t).lockTimeout(Duration.ofMillis(200)).statementTimeout(Duration.ofSeconds(1)).build()) {
      ledger.append(forUser("before", T0, "alice", "1"));
      t.execute("CREATE FUNCTION " + t.schema + ".stall() RETURNS trigger LANGUAGE plpgsql AS $$"
          + " BEGIN PERFORM pg_sleep(60); RETURN NULL; END $$");
      t.execute("CREATE TRIGGER stall BEFORE INSERT ON usage_entry FOR EACH STATEMENT EXECUTE FUNCTION " + t.schema + ".stall()");

      callers.submit(() -> ledger.append(forUser("stalled", T0, "alice", "2"))).get(GUARD, TimeUnit.SECONDS);
      assertThat(ledger.spooledEntries()).isOne();

      t.execute("DROP TRIGGER stall ON usage_entry");
      assertThat(ledger.replaySpool()).isOne();
      assertThat(t.queryLong("SELECT COUNT(*) FROM usage_entry")).isEqualTo(2);
      assertThat(ledger.spent(Map.of("user", "alice"), T0, FAR)).isEqualTo(MoneyTotal.of("3"));
    }
  }

  /**
   * An entry the database would refuse, appended while a lock hides that: the batch is spooled
   * before the database has looked at its data, so its caller is answered as in an outage. The
   * replay then sets it aside in {@code ledger.rejected} rather than retrying it for ever, and
   * writes the rest; a refused entry appended once the database answers fails at once, as ever.
   */
  @Test
  void aRefusedEntrySpooledBehindALockIsSetAsideAtReplayAndOneAppendedAfterIsRefused() throws Exception {
    try (var t = Backend.POSTGRES.open(dir);
        var ledger = ledger(t).build();
        Connection holder = t.db.connection()) {
      t.execute("ALTER TABLE usage_entry ADD CONSTRAINT no_banned_tool CHECK (tool_id IS NULL OR tool_id <> 'banned')");
      holder.setAutoCommit(false);
      Sql.execute(holder, "LOCK TABLE usage_entry IN SHARE MODE");
      Future<?> good = callers.submit(() -> ledger.append(entry("good", T0, Map.of("user", "bob", "tool", "ok"), "1", null)));
      Future<?> bad = callers.submit(() -> ledger.append(entry("bad", T0, Map.of("user", "bob", "tool", "banned"), "1", null)));
      good.get(GUARD, TimeUnit.SECONDS);
      bad.get(GUARD, TimeUnit.SECONDS);
      assertThat(ledger.spooledEntries()).isEqualTo(2);

      holder.rollback();
      assertThat(ledger.replaySpool()).isEqualTo(2);
      assertThat(ledger.spooledEntries()).isZero();
      assertThat(t.queryLong("SELECT COUNT(*) FROM usage_entry")).isOne();
      assertThat(Files.readAllLines(dir.resolve("spool/ledger.rejected")))
          .singleElement()
          .satisfies(line -> assertThat(LedgerRows.fromSpoolLine(line).id()).isEqualTo("bad"));

      assertThatThrownBy(() -> ledger.append(entry("bad2", T0, Map.of("user", "bob", "tool", "banned"), "1", null)))
          .isInstanceOfSatisfying(DatabaseException.class, e -> assertThat(e.isConstraintViolation()).isTrue())
          .hasMessageContaining("no_banned_tool");
      assertThat(ledger.spooledEntries()).isZero();
    }
  }

  /**
   * A lookup by key, which recording usage with an idempotency key asks first, waits behind a lock
   * on the whole table (reads pass every other one) no longer than a write, then answers that it
   * cannot tell, as the ledger's contract has it for a database it cannot read.
   */
  @Test
  void aLookupByKeyBehindATableLockAnswersNotKnownWithinTheBound() throws Exception {
    try (var t = Backend.POSTGRES.open(dir);
        var ledger = ledger(t).build();
        Connection holder = t.db.connection()) {
      ledger.append(forUser("known", T0, "alice", "1"));
      holder.setAutoCommit(false);
      Sql.execute(holder, "LOCK TABLE usage_entry IN ACCESS EXCLUSIVE MODE");

      Future<Optional<UsageEntry>> lookup = callers.submit(() -> ledger.withIdempotencyKey("k-known"));
      assertThat(lookup.get(GUARD, TimeUnit.SECONDS)).isEmpty();
      assertThat(locksHeldBy(holder)).contains("AccessExclusiveLock");

      holder.rollback();
      assertThat(ledger.withIdempotencyKey("k-known")).map(UsageEntry::id).contains("known");
    }
  }

  /**
   * Writes wait for a prune in this process (they share its retention lock), so a prune stuck
   * behind another session's lock would hold them all. It gives up within the lock timeout
   * instead, as busy and having changed nothing, and the write waiting for it then goes through.
   */
  @Test
  void aPruneBehindALockGivesUpAndTheWritesWaitingForItGoThrough() throws Exception {
    try (var t = Backend.POSTGRES.open(dir);
        var ledger = ledger(t).build();
        Connection holder = t.db.connection()) {
      ledger.append(forUser("before", T0, "alice", "1"));
      holder.setAutoCommit(false);
      Sql.execute(holder, "SELECT rolled_up_before FROM ledger_state WHERE id = 1 FOR UPDATE");

      Future<PruneResult> prune = callers.submit(() -> ledger.prune(T0.plus(Duration.ofDays(400))));
      Sql.awaitUntil(() -> blockedBy(holder) == 1, GUARD);
      Future<?> append = callers.submit(() -> ledger.append(forUser("during", T0, "alice", "2")));

      append.get(GUARD, TimeUnit.SECONDS);
      assertThatThrownBy(() -> prune.get(GUARD, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOfSatisfying(DatabaseException.class, e -> assertThat(e.isBusy()).as(e.getMessage()).isTrue());
      assertThat(Sql.number(holder, "SELECT COUNT(*) FROM usage_entry")).isEqualTo(2); // written, not spooled
      assertThat(ledger.spooledEntries()).isZero();

      holder.rollback();
      assertThat(t.queryLong("SELECT COUNT(*) FROM usage_daily")).isZero();
    }
  }

  @Test
  void theBoundsAreCheckedAndNamedWhenRefused() {
    try (var t = Backend.H2.open(dir)) {
      assertThatThrownBy(() -> ledger(t).lockTimeout(Duration.ZERO))
          .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.getMessage()).contains("lockTimeout"));
      assertThatThrownBy(() -> ledger(t).statementTimeout(Duration.ofHours(2)))
          .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.getMessage()).contains("statementTimeout"));
      assertThatThrownBy(() -> ledger(t).lockTimeout(Duration.ofSeconds(30)).build())
          .isInstanceOfSatisfying(ValidationException.class,
              e -> assertThat(e.getMessage()).contains("lockTimeout", "must not be longer than statementTimeout"));
      assertThatThrownBy(() -> ledger(t).lockTimeout(null)).isInstanceOf(ValidationException.class);
    }
  }

  private List<String> spooledIds() throws Exception {
    return Files.readAllLines(dir.resolve("spool/ledger.spool")).stream().map(l -> LedgerRows.fromSpoolLine(l).id()).toList();
  }

  /** The modes of the locks on the usage table {@code holder}'s session holds. */
  private static List<String> locksHeldBy(Connection holder) throws SQLException {
    List<String> modes = new ArrayList<>();
    try (Statement s = holder.createStatement();
        ResultSet rs = s.executeQuery("SELECT mode FROM pg_locks WHERE pid = pg_backend_pid()"
            + " AND relation = 'usage_entry'::regclass AND granted")) {
      while (rs.next()) {
        modes.add(rs.getString(1));
      }
    }
    return modes;
  }

  private static String lockName(String mode) {
    return mode.equals("SHARE") ? "ShareLock" : "AccessExclusiveLock";
  }

  /** Sessions waiting for a lock that {@code holder}'s session holds. */
  private static int blockedBy(Connection holder) {
    try {
      return (int) Sql.number(holder, "SELECT COUNT(*) FROM pg_stat_activity WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))");
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
