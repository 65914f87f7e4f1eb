package dev.quota.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Budget;
import dev.quota.Money;
import dev.quota.Policy;
import dev.quota.Quota;
import dev.quota.internal.BudgetCounterSet;
import dev.quota.jdbc.json.PolicyJson;
import dev.quota.ledger.MemoryLedger;
import dev.quota.store.MemoryStore;
import dev.quota.store.conformance.MutableClock;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A database the version before kept (migrated up to V8, a budgeted policy in it) opened by this
 * one: V9 adds the budget counter set's table, empty, the engine's first snapshot records its set
 * from its start (so the periods in progress are rebuilt, as every start did before), and the next
 * start keeps that time.
 */
class BudgetCounterSetUpgradeTest {
  private static final Instant START = Instant.parse("2026-06-15T12:00:00Z");
  private static final Policy DAILY =
      Policy.builder("user:*")
          .budget(new Budget("USD", Money.of("1.00"), null, null, ZoneOffset.UTC, LocalTime.MIDNIGHT, 1))
          .build();

  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aDatabaseOfTheVersionBeforeIsMigratedAndRecordsTheSetAtTheFirstStart(Backend backend) throws SQLException {
    // The schema as the version before left it: the migrations up to V8.
    try (EarlierSchema earlier = new EarlierSchema(backend, dir.resolve("data")).migratedTo("8")) {
      try (Connection c = earlier.connect()) {
        assertThat(tables(c, "budget_counter_set")).isZero();
        insertPolicy(c, DAILY);
      }
      MutableClock clock = new MutableClock(START);

      try (Database db = earlier.open()) {
        var config = new JdbcConfigRepository(db);
        assertThat(config.policies()).containsExactly(DAILY);
        String fingerprint = BudgetCounterSet.of(List.of(DAILY), List.of()).fingerprint();
        start(clock, config).close();
        assertThat(recorded(db)).isEqualTo(fingerprint + " " + START);

        clock.advance(Duration.ofHours(1));
        start(clock, config).close();
        assertThat(recorded(db)).isEqualTo(fingerprint + " " + START);
      }
    }
  }

  private static long tables(Connection c, String name) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = ? AND table_schema = current_schema()")) {
      ps.setString(1, name);
      try (var rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private static void insertPolicy(Connection c, Policy p) throws SQLException {
    Timestamp at = Timestamp.from(START.minus(Duration.ofDays(30)));
    try (PreparedStatement ps =
        c.prepareStatement("INSERT INTO policy (selector, version, body, updated_at) VALUES (?, 1, ?, ?)")) {
      ps.setString(1, p.selector().toString());
      ps.setString(2, PolicyJson.write(p));
      ps.setTimestamp(3, at);
      ps.executeUpdate();
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO policy_version (selector, version, body, changed_at, actor) VALUES (?, 1, ?, ?, 'admin@test')")) {
      ps.setString(1, p.selector().toString());
      ps.setString(2, PolicyJson.write(p));
      ps.setTimestamp(3, at);
      ps.executeUpdate();
    }
  }

  private static Quota start(MutableClock clock, JdbcConfigRepository config) {
    return Quota.builder().clock(clock).config(config).ledger(new MemoryLedger()).store(new MemoryStore(clock)).build();
  }

  /** The one row of the budget counter set, as "fingerprint since". */
  private static String recorded(Database db) throws SQLException {
    try (Connection c = db.connection();
        PreparedStatement ps = c.prepareStatement("SELECT fingerprint, kept_since, (SELECT COUNT(*) FROM budget_counter_set) n FROM budget_counter_set");
        var rs = ps.executeQuery()) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getLong("n")).isOne();
      return rs.getString("fingerprint") + " " + rs.getObject("kept_since", java.time.OffsetDateTime.class).toInstant();
    }
  }
}
