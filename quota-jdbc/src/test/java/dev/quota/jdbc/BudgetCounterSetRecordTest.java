package dev.quota.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TimeZone;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The budget counter set the engines took up last, and since when, kept in the database for every
 * server sharing it: the rules of {@link dev.quota.admin.ConfigRepository#budgetCountersSince},
 * called in turn and by several servers at once.
 */
class BudgetCounterSetRecordTest {
  static final String A = "a".repeat(64);
  static final String B = "b".repeat(64);
  static final int SERVERS = 8;
  static final long T0 = 1_781_524_800_000L; // 2026-06-15T12:00:00Z

  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aServerStartedOnTheSameSetKeepsItsTimeAndAnotherSetReplacesIt(Backend backend) {
    try (var t = backend.open(dir)) {
      var first = new JdbcConfigRepository(t.db);
      assertThat(first.budgetCountersSince(A, T0, false)).isEqualTo(T0);

      var restarted = new JdbcConfigRepository(t.db);
      assertThat(restarted.budgetCountersSince(A, T0 + 60_000, false)).isEqualTo(T0);
      assertThat(restarted.budgetCountersSince(B, T0 + 120_000, false)).isEqualTo(T0 + 120_000);
      assertThat(first.budgetCountersSince(A, T0 + 180_000, true)).isEqualTo(T0 + 180_000);
      assertThat(t.queryLong("SELECT COUNT(*) FROM budget_counter_set")).isEqualTo(1);
    }
  }

  /**
   * An engine that took a set up before it could read the store's clock dates it by the store's
   * once it can: the time replaces the one recorded, even a later one (from an engine clock ahead of
   * the store's), and a row is written if there was none.
   */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void aTakeUpRedatedByTheStoresClockReplacesTheTimeRecorded(Backend backend) {
    try (var t = backend.open(dir)) {
      var repo = new JdbcConfigRepository(t.db);
      assertThat(repo.budgetCountersRedated(A, T0)).isEqualTo(T0);
      assertThat(repo.budgetCountersSince(A, T0 + 60_000, false)).isEqualTo(T0);

      assertThat(repo.budgetCountersSince(B, T0 + 300_000, true)).isEqualTo(T0 + 300_000);
      assertThat(repo.budgetCountersRedated(B, T0 + 60_000)).isEqualTo(T0 + 60_000);
      assertThat(repo.budgetCountersSince(B, T0 + 60_000, false)).isEqualTo(T0 + 60_000);
      assertThat(repo.budgetCountersRedated(A, T0 + 120_000)).isEqualTo(T0 + 120_000);
      assertThat(repo.budgetCountersSince(A, T0 + 130_000, false)).isEqualTo(T0 + 120_000);
      assertThat(t.queryLong("SELECT COUNT(*) FROM budget_counter_set")).isEqualTo(1);
    }
  }

  /**
   * Another server's transaction holds the row (one stalled between its update and its commit, say,
   * which PostgreSQL keeps open until that server's connection is found dead). A server starting on
   * the set recorded only reads the row, so it still starts, with the time kept; it failed when its
   * lock wait gave up. One taking up another set must write, and waits as before.
   */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void aServerStartedOnTheSetRecordedStartsWhileAnotherServerHoldsTheRow(Backend backend) throws Exception {
    try (var t = backend.open(dir)) {
      new JdbcConfigRepository(t.db).budgetCountersSince(A, T0, false);
      var starting = new JdbcConfigRepository(t.db, Duration.ofMillis(300));
      try (Connection other = t.db.connection()) {
        other.setAutoCommit(false);
        try (Statement s = other.createStatement()) {
          s.executeUpdate("UPDATE budget_counter_set SET kept_since = kept_since");
        }
        try {
          assertThat(within30s(() -> starting.budgetCountersSince(A, T0 + 60_000, false))).isEqualTo(T0);
          // Nothing to move: the time kept is already later than this one's.
          assertThat(within30s(() -> starting.budgetCountersSince(A, T0 - 1, true))).isEqualTo(T0);
        } finally {
          other.rollback();
        }
      }
      assertThat(starting.budgetCountersSince(A, T0 + 120_000, true)).isEqualTo(T0 + 120_000);
    }
  }

  /** {@code call} on a thread of its own, given up (failing the test) after 30 s. */
  private static long within30s(java.util.concurrent.Callable<Long> call) throws Exception {
    ExecutorService thread = Executors.newSingleThreadExecutor();
    try {
      return thread.submit(call).get(30, TimeUnit.SECONDS);
    } finally {
      thread.shutdownNow();
    }
  }

  /**
   * The time goes to the database and back to the millisecond whatever the JVM's time zone (and so
   * the session's): here New York's, at the hour its clocks repeat when summer time ends, where a
   * time read through the local clock would come back an hour earlier and leave that hour's spend
   * out of a rebuilt budget.
   */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void theTimeKeptIsExactToTheMillisecondWhateverTheJvmTimeZone(Backend backend) {
    TimeZone jvm = TimeZone.getDefault();
    TimeZone.setDefault(TimeZone.getTimeZone("America/New_York"));
    long firstOneThirty = Instant.parse("2026-11-01T05:30:00.001Z").toEpochMilli(); // 01:30 summer time
    long secondOneThirty = Instant.parse("2026-11-01T06:30:00.007Z").toEpochMilli(); // 01:30 again, an hour later
    try (var t = backend.open(dir)) {
      var repo = new JdbcConfigRepository(t.db);
      assertThat(repo.budgetCountersSince(A, secondOneThirty, false)).isEqualTo(secondOneThirty);
      assertThat(new JdbcConfigRepository(t.db).budgetCountersSince(A, secondOneThirty + 60_000, false))
          .isEqualTo(secondOneThirty);
      assertThat(repo.budgetCountersSince(B, secondOneThirty, false)).isEqualTo(secondOneThirty);
      assertThat(repo.budgetCountersSince(B, firstOneThirty, true)).isEqualTo(secondOneThirty);
      assertThat(repo.budgetCountersSince(A, firstOneThirty, true)).isEqualTo(firstOneThirty);
      assertThat(repo.budgetCountersSince(A, secondOneThirty, true)).isEqualTo(secondOneThirty);
    } finally {
      TimeZone.setDefault(jvm);
    }
  }

  /** A server that reloads into the set after another counted under the old set until then. */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void aServerLeavingAnotherSetMovesTheTimeLaterNeverEarlier(Backend backend) {
    try (var t = backend.open(dir)) {
      var repo = new JdbcConfigRepository(t.db);
      repo.budgetCountersSince(A, T0, true);

      assertThat(repo.budgetCountersSince(A, T0 + 2_000, true)).isEqualTo(T0 + 2_000);
      assertThat(repo.budgetCountersSince(A, T0 + 1_000, true)).isEqualTo(T0 + 2_000);
      assertThat(repo.budgetCountersSince(A, T0 + 3_000, false)).isEqualTo(T0 + 2_000);
    }
  }

  /** Servers started at once on a set none recorded yet all keep the time of the first to record it. */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void serversStartedAtOnceAgreeOnOneTime(Backend backend) throws Exception {
    try (var t = backend.open(dir)) {
      new JdbcConfigRepository(t.db).budgetCountersSince(B, T0 - 86_400_000, false);

      List<Long> since = atOnce(t.db, server -> new JdbcConfigRepository(t.db).budgetCountersSince(A, T0 + server, false));

      assertThat(since).containsOnly(since.get(0));
      assertThat(since.get(0)).isBetween(T0, T0 + SERVERS - 1);
      assertThat(new JdbcConfigRepository(t.db).budgetCountersSince(A, T0 + 60_000, false)).isEqualTo(since.get(0));
    }
  }

  /** Servers reloading at once into the same set: the time kept is the latest of theirs. */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void serversLeavingAnotherSetAtOnceKeepTheLatestTime(Backend backend) throws Exception {
    try (var t = backend.open(dir)) {
      new JdbcConfigRepository(t.db).budgetCountersSince(B, T0 - 86_400_000, false);

      List<Long> since = atOnce(t.db, server -> new JdbcConfigRepository(t.db).budgetCountersSince(A, T0 + server, true));

      for (int server = 0; server < SERVERS; server++) {
        assertThat(since.get(server)).isGreaterThanOrEqualTo(T0 + server);
      }
      assertThat(new JdbcConfigRepository(t.db).budgetCountersSince(A, T0 + 60_000, false)).isEqualTo(T0 + SERVERS - 1);
    }
  }

  /**
   * Servers taking up two sets at once, round after round: whatever the order, none adopts a time
   * that was not recorded for its own set, and the row holds one set and a time of that set.
   */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void serversTakingUpDifferentSetsAtOnceNeverAdoptTheOthersTime(Backend backend) throws Exception {
    try (var t = backend.open(dir)) {
      for (int round = 0; round < 10; round++) {
        long base = T0 + round * 1_000L;
        List<Long> since = atOnce(t.db, server ->
            new JdbcConfigRepository(t.db).budgetCountersSince(server % 2 == 0 ? A : B, base + server, server % 4 < 2));
        for (int server = 0; server < SERVERS; server++) {
          long got = since.get(server);
          // A time a server of the same set gave, in this round or an earlier one (a start finding
          // its set keeps the time recorded): even offsets are A's, odd ones B's.
          long offset = (got - T0) % 1_000;
          assertThat(got).isBetween(T0, base + SERVERS - 1);
          assertThat(offset).isLessThan(SERVERS);
          assertThat(offset % 2).isEqualTo(server % 2);
        }
      }
    }
  }

  /** {@link #SERVERS} calls started together, one per server; what each returned, by server. */
  private static List<Long> atOnce(Database db, ServerCall call) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(SERVERS);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Long>> calls = new ArrayList<>();
      for (int server = 0; server < SERVERS; server++) {
        int s = server;
        calls.add(pool.submit(() -> {
          start.await();
          return call.since(s);
        }));
      }
      start.countDown();
      List<Long> out = new ArrayList<>();
      for (Future<Long> f : calls) {
        out.add(f.get(30, TimeUnit.SECONDS));
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  @FunctionalInterface
  private interface ServerCall {
    long since(int server);
  }
}
