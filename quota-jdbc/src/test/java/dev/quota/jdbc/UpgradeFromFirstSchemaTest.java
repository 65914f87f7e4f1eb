package dev.quota.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Money;
import dev.quota.MoneyTotal;
import dev.quota.Policy;
import dev.quota.Selector;
import dev.quota.admin.AuditQuery;
import dev.quota.admin.Override;
import dev.quota.jdbc.CostReports.GroupBy;
import dev.quota.jdbc.CostReports.Period;
import dev.quota.jdbc.json.OverrideJson;
import dev.quota.jdbc.json.PolicyJson;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A database as the first schema left it (V1), with a row in every table, opened by this version:
 * every migration runs over the data, and policies, overrides, keys, the audit trail, alerts, raw
 * ledger rows and rollups read back as they were written.
 */
class UpgradeFromFirstSchemaTest {
  static final Instant T0 = Instant.parse("2025-03-10T12:00:00Z");
  static final String AT = "TIMESTAMP WITH TIME ZONE '2025-03-10 12:00:00+00'";
  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(Backend.class)
  void everyRowTheFirstSchemaHeldReadsBackAfterTheMigrations(Backend backend) throws SQLException {
    Policy policy = JdbcConfigRepositoryTest.limit("user:*", 60);
    Override override = JdbcConfigRepositoryTest.override("o1");
    String secret = "qk_upgrade-secret";
    try (EarlierSchema earlier = new EarlierSchema(backend, dir.resolve("data")).migratedTo("1")) {
      try (Connection c = earlier.connect();
          Statement s = c.createStatement()) {
        try (PreparedStatement ps = c.prepareStatement(
            "INSERT INTO policy (selector, version, body, updated_at) VALUES ('user:*', 1, ?, " + AT + ")")) {
          ps.setString(1, PolicyJson.write(policy));
          ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO policy_override (id, selector, body, expires_at)"
            + " VALUES ('o1', 'user:bob', ?, TIMESTAMP WITH TIME ZONE '2025-03-01 11:00:00+00')")) {
          ps.setString(1, OverrideJson.write(override));
          ps.executeUpdate();
        }
        s.execute("INSERT INTO audit_log (at, actor, action, target, before_state, after_state, reason)"
            + " VALUES (" + AT + ", 'alice', 'policy.put', 'user:*', NULL, 'after', 'first')");
        s.execute("INSERT INTO api_key (id, key_hash, name, role, subjects, created_at, revoked_at) VALUES ('key_1', '"
            + ApiKeyRepository.hash(secret) + "', 'reader', 'viewer', 'user:alice\n', " + AT + ", NULL)");
        s.execute("INSERT INTO alert (id, at, policy, subject, period, period_start, threshold, used_amount, limit_amount,"
            + " currency, delivery_state, delivery_attempts) VALUES ('a1', " + AT + ", 'user:*', 'user:alice', 'daily',"
            + " TIMESTAMP WITH TIME ZONE '2025-03-10 00:00:00+00', 0.8, 8.5, 10, 'USD', 'pending', 0)");
        s.execute("INSERT INTO usage_entry (id, at, usage_day, user_id, subjects, amount, meters, reservation_id,"
            + " idempotency_key, overrun) VALUES ('e1', " + AT + ", DATE '2025-03-10', 'alice', '\nuser:alice\n',"
            + " 9007199.254740991, '{\"requests\":1}', 'r1', 'k1', 0.5)");
        s.execute("INSERT INTO usage_daily (usage_day, user_id, team_id, project_id, tool_id, provider_id, amount, entries)"
            + " VALUES (DATE '2025-02-10', 'alice', '', '', '', '', 1.000000001, 3)");
        s.execute("UPDATE ledger_state SET rolled_up_before = DATE '2025-03-01' WHERE id = 1");
      }

      try (Database db = earlier.open();
          var ledger = JdbcUsageLedger.builder(db).spoolDirectory(dir.resolve("spool")).build()) {
        var config = new JdbcConfigRepository(db);
        assertThat(config.policies()).containsExactly(policy);
        assertThat(config.overrides()).containsExactly(override);
        assertThat(config.audit(new AuditQuery(null, null, null, null, null, 0, 10)))
            .singleElement().satisfies(a -> assertThat(a.reason()).isEqualTo("first"));
        var keys = new ApiKeyRepository(db);
        assertThat(keys.authenticate(secret)).hasValueSatisfying(k -> assertThat(k.name()).isEqualTo("reader"));
        var alerts = new JdbcAlertHistory(db, JdbcAlertHistoryTest.AT_T0);
        assertThat(alerts.query(null, null, null, null, 0, 10)).extracting(a -> a.id()).containsExactly("a1");
        assertThat(alerts.pending(10)).extracting(a -> a.id()).containsExactly("a1");

        Map<String, String> alice = Map.of("user", "alice");
        assertThat(ledger.entries(alice, T0.minusSeconds(1), T0.plusSeconds(1))).singleElement().satisfies(e -> {
          assertThat(e.amount()).isEqualTo(Money.of("9007199.254740991"));
          assertThat(e.reservationId()).isEqualTo("r1");
          assertThat(e.idempotencyKey()).isEqualTo("k1");
          assertThat(e.reservedAt()).isNull();
          assertThat(e.currency()).isNull();
        });
        assertThat(ledger.spent(alice, "USD", T0.minusSeconds(1), T0.plusSeconds(1)))
            .isEqualTo(MoneyTotal.of("9007199.254740991"));
        assertThat(new CostReports(db).report(LocalDate.parse("2025-02-01"), LocalDate.parse("2025-04-01"), Period.MONTH,
            GroupBy.USER, Map.of())).containsExactly(
                new CostRow("2025-02", "alice", null, MoneyTotal.of("1.000000001"), 3),
                new CostRow("2025-03", "alice", null, MoneyTotal.of("9007199.254740991"), 1));
      }
    }
  }
}
