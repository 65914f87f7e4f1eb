package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Budget;
import dev.quota.LimitKind;
import dev.quota.Money;
import dev.quota.Policy;
import dev.quota.Quota;
import dev.quota.QuotaRequest;
import dev.quota.Selector;
import dev.quota.Subject;
import dev.quota.jdbc.Database;
import dev.quota.jdbc.JdbcConfigRepository;
import dev.quota.jdbc.JdbcUsageLedger;
import dev.quota.ledger.CountingLedger;
import dev.quota.redis.RedisStore;
import dev.quota.store.MemoryStore;
import dev.quota.store.Store;
import dev.quota.store.conformance.MutableClock;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Engines on Redis, which keeps its counters through their restarts, sharing one configuration
 * database (H2 or PostgreSQL) and ledger. The time the engines took up their budget calendars is kept
 * in the database: a restart finding the same calendars rebuilds no budget from the ledger (it
 * rebuilt every subject's, once in each period in progress, taking its own start for a change of
 * calendar), and one finding calendars another engine changed meanwhile still keeps the spend of
 * the period in progress.
 *
 * <p>The engines' clock and Redis's move together (Redis time plus an offset): the tests begin at
 * noon of Redis's day, call the next day D, and never wait for time to pass.
 */
class BudgetCalendarsKeptThroughRestartTest {
  enum Engine {
    H2,
    POSTGRESQL
  }

  private static final Subject ALICE = Subject.of("user", "alice");

  @TempDir Path dir;
  private final String prefix = "test:calendars-kept:" + UUID.randomUUID() + ":";
  private final AtomicLong offsetMs = new AtomicLong();
  private final MutableClock clock;
  private final Instant dayD;
  private final List<Server> running = new ArrayList<>();
  private final PostgresSchema schema = new PostgresSchema();
  private Engine engine;
  private Database database;
  private int spools;

  /** One server process: its engine, and the ledger reads it made to rebuild budgets. */
  private record Server(Quota quota, CountingLedger ledger) {}

  BudgetCalendarsKeptThroughRestartTest() {
    try (RedisStore probe = redis().build()) {
      long redisNow = probe.nowMs();
      Instant noon = Instant.ofEpochMilli(redisNow).truncatedTo(ChronoUnit.DAYS).plus(Duration.ofHours(12));
      offsetMs.set(noon.toEpochMilli() - redisNow);
      clock = new MutableClock(noon);
      dayD = noon.plus(Duration.ofHours(12));
    }
  }

  @AfterEach
  void stopEverything() {
    running.forEach(s -> s.quota().close());
    try (RedisStore keys = redis().build()) {
      keys.deleteAll();
    }
    if (database != null) {
      database.close();
    }
    if (engine == Engine.POSTGRESQL) {
      schema.drop();
    }
  }

  /** The test's keys on the shared Redis, with room for a busy machine's delays. */
  private RedisStore.Builder redis() {
    return RedisStore.builder().prefix(prefix).timeout(Duration.ofSeconds(2)).connectTimeout(Duration.ofSeconds(5));
  }

  /** Opens the configuration database, as a server process does at its start. */
  private void openDatabase(Engine e) {
    engine = e;
    database = e == Engine.H2 ? Database.embedded(dir.resolve("data")) : Database.open(schema.url());
  }

  /** Every server stops and the database is opened afresh: nothing but what it stored is left of them. */
  private void stopAll() {
    running.forEach(s -> s.quota().close());
    running.clear();
    database.close();
    openDatabase(engine);
  }

  private Server start() {
    return start(redis().testClockOffset(offsetMs::get).build());
  }

  /** A server keeping its counters in memory, as the embedded default does: they are lost when it stops. */
  private Server startInMemory() {
    return start(new MemoryStore(clock));
  }

  private Server start(Store store) {
    CountingLedger ledger = new CountingLedger(
        JdbcUsageLedger.builder(database).spoolDirectory(dir.resolve("spool-" + ++spools)).build());
    Quota quota =
        Quota.builder().clock(clock).config(new JdbcConfigRepository(database)).ledger(ledger).store(store).build();
    Server s = new Server(quota, ledger);
    running.add(s);
    return s;
  }

  /** Moves the engines' clock and Redis's to {@code time} on day D (HH:mm, UTC). */
  private void at(String time) {
    Instant to = dayD.plus(Duration.between(LocalTime.MIDNIGHT, LocalTime.parse(time)));
    long ms = Duration.between(clock.instant(), to).toMillis();
    clock.advance(Duration.ofMillis(ms));
    offsetMs.addAndGet(ms);
  }

  private static void budget(Server s, ZoneId zone, String resetTime) {
    s.quota().admin().putPolicy(
        Policy.builder("user:*")
            .budget(new Budget("USD", Money.of("1.00"), null, null, zone, LocalTime.parse(resetTime), 1))
            .build(),
        "admin@test", "calendar");
  }

  private static void spend(Server s, String user, String cost) {
    assertThat(s.quota().record(QuotaRequest.builder().user(user).estimatedCost(cost).build()).admitted()).isTrue();
  }

  private static boolean admits(Server s, String user, String cost) {
    return s.quota().reserve(QuotaRequest.builder().user(user).estimatedCost(cost).build()).admitted();
  }

  private static BigDecimal usedToday(Server s, Subject subject) {
    return s.quota().usage(subject).stream()
        .filter(l -> l.kind() == LimitKind.BUDGET_DAILY).findFirst().orElseThrow().usedAmount();
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void aRestartWithTheSameCalendarsReadsNoLedger(Engine e) {
    openDatabase(e);
    Server first = start();
    budget(first, ZoneOffset.UTC, "00:00");
    spend(first, "bob", "0.01"); // Redis's epoch begins here, the day before D: it asks for no seed in D
    at("10:00");
    spend(first, "alice", "0.30");
    stopAll();
    at("12:00");

    Server restarted = start();

    // Carol is new in D: her counter is missing, and nothing she spent in D went to another.
    assertThat(admits(restarted, "carol", "0.50")).isTrue();
    assertThat(usedToday(restarted, ALICE)).isEqualByComparingTo("0.30");
    assertThat(restarted.ledger().takeSpentReads()).isZero();
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void aCalendarChangedByAnotherServerWhileThisOneWasDownKeepsTheDaysSpend(Engine e) {
    openDatabase(e);
    Server first = start();
    Server other = start();
    budget(first, ZoneOffset.UTC, "00:00");
    spend(first, "bob", "0.01");
    at("10:00");
    spend(first, "alice", "0.90");
    first.quota().close();
    running.remove(first);
    at("15:00");
    budget(other, ZoneId.of("America/New_York"), "00:00"); // its day began at 04:00 UTC, before the spend
    at("16:00");

    Server restarted = start();

    assertThat(usedToday(restarted, ALICE)).isEqualByComparingTo("0.90");
    assertThat(restarted.ledger().takeSpentReads()).isEqualTo(1);
    assertThat(admits(restarted, "alice", "0.20")).isFalse();
    assertThat(admits(restarted, "alice", "0.10")).isTrue();
  }

  /**
   * One server takes up a new reset time at 15:00, the other only at its reload at 16:00 and
   * charges Alice under the old calendar meanwhile, in the new calendar's day begun at 15:30. A
   * restart of both must rebuild that day: the time kept is the later server's.
   */
  @ParameterizedTest
  @EnumSource(Engine.class)
  void aRestartKeepsTheTimeOfTheLastServerToTakeUpTheCalendars(Engine e) {
    openDatabase(e);
    Server first = start();
    Server other = start();
    budget(first, ZoneOffset.UTC, "00:00");
    other.quota().reloadConfig();
    spend(other, "bob", "0.01");
    at("10:00");
    spend(other, "alice", "0.20"); // before the new calendar's day
    at("15:00");
    budget(first, ZoneOffset.UTC, "15:30");
    at("15:45");
    spend(other, "alice", "0.50"); // still the old calendar there, in the new calendar's day
    at("16:00");
    other.quota().reloadConfig();
    stopAll();
    at("17:00");

    Server restarted = start();

    assertThat(usedToday(restarted, ALICE)).isEqualByComparingTo("0.50");
    assertThat(admits(restarted, "alice", "0.51")).isFalse();
    assertThat(admits(restarted, "alice", "0.50")).isTrue();
  }

  /**
   * An override gives Alice a budget on New York's calendar until noon of D; from then the policy's
   * UTC day counts her again, and its counter of D, which nothing charged, is rebuilt from the
   * ledger. The override stays stored after its end, so a restart after it keeps that rebuild.
   */
  @ParameterizedTest
  @EnumSource(Engine.class)
  void aRestartAfterAnOverrideEndedMidDayStillRebuildsTheDay(Engine e) {
    openDatabase(e);
    Server first = start();
    budget(first, ZoneOffset.UTC, "00:00");
    spend(first, "bob", "0.01");
    first.quota().admin().createOverride(
        Selector.parse("user:alice"),
        Policy.builder("user:alice")
            .budget(new Budget("USD", Money.of("1.00"), null, null, ZoneId.of("America/New_York"), LocalTime.MIDNIGHT, 1))
            .build(),
        dayD.plus(Duration.ofHours(12)), "admin@test", "New York for a day");
    at("10:00");
    spend(first, "alice", "0.90");
    at("13:00");
    stopAll();
    at("14:00");

    Server restarted = start();

    assertThat(usedToday(restarted, ALICE)).isEqualByComparingTo("0.90");
    assertThat(admits(restarted, "alice", "0.20")).isFalse();
    assertThat(admits(restarted, "alice", "0.10")).isTrue();
  }

  /**
   * A day reset at 15:30 becomes a UTC day at 14:00 and a day reset at 15:30 again at 17:00, with a
   * restart after each change. Alice spends only under the UTC day, at 16:00, in the day that
   * began at 15:30: taken up again at 17:00, that day is rebuilt from the ledger, not found empty
   * under the time the same calendars were first recorded, the day before.
   */
  @ParameterizedTest
  @EnumSource(Engine.class)
  void aCalendarChangedAndChangedBackAcrossRestartsKeepsTheSpendOfTheDayBegunBetween(Engine e) {
    openDatabase(e);
    Server first = start();
    budget(first, ZoneOffset.UTC, "15:30");
    spend(first, "bob", "0.01");
    at("14:00");
    budget(first, ZoneOffset.UTC, "00:00");
    stopAll();
    at("15:00");
    Server second = start();
    at("16:00");
    spend(second, "alice", "0.60");
    at("17:00");
    budget(second, ZoneOffset.UTC, "15:30");
    stopAll();
    at("18:00");

    Server third = start();

    assertThat(usedToday(third, ALICE)).isEqualByComparingTo("0.60");
    assertThat(admits(third, "alice", "0.41")).isFalse();
    assertThat(admits(third, "alice", "0.40")).isTrue();
  }

  /**
   * The embedded default: the configuration in the database, the counters in memory. A restart on
   * the calendars recorded keeps their time, yet loses every counter, and the store's own start
   * still has the day in progress rebuilt from the ledger.
   */
  @ParameterizedTest
  @EnumSource(Engine.class)
  void aRestartOnCountersInMemoryRebuildsTheDayWhateverTheTimeKept(Engine e) {
    openDatabase(e);
    Server first = startInMemory();
    budget(first, ZoneOffset.UTC, "00:00");
    at("10:00");
    spend(first, "alice", "0.90");
    stopAll();
    at("12:00");

    Server restarted = startInMemory();

    assertThat(usedToday(restarted, ALICE)).isEqualByComparingTo("0.90");
    assertThat(restarted.ledger().takeSpentReads()).isEqualTo(1);
    assertThat(admits(restarted, "alice", "0.20")).isFalse();
    assertThat(admits(restarted, "alice", "0.10")).isTrue();
  }
}
