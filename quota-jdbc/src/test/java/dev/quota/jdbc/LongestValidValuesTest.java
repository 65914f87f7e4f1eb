package dev.quota.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.Money;
import dev.quota.MoneyTotal;
import dev.quota.Policy;
import dev.quota.Selector;
import dev.quota.Subject;
import dev.quota.ValidationException;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.AuditQuery;
import dev.quota.admin.Override;
import dev.quota.alert.Alert;
import dev.quota.jdbc.ApiKeyRepository.Role;
import dev.quota.jdbc.CostReports.GroupBy;
import dev.quota.jdbc.CostReports.Period;
import dev.quota.ledger.UsageEntry;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every stored text at the longest the engine accepts, written in a character outside the Basic
 * Multilingual Plane: one character, but two UTF-16 units, which is what H2's VARCHAR counts. Each
 * is stored and read back whole on both engines, and one character more is refused by name before
 * anything is written.
 */
class LongestValidValuesTest {
  static final String EMOJI = "\uD83D\uDE00";
  static final String LONGEST_ID = EMOJI.repeat(128);
  static final String LONGEST_PAIR = "a".repeat(32) + ":" + LONGEST_ID + "," + "b".repeat(32) + ":" + LONGEST_ID;
  static final Instant T0 = Instant.parse("2025-02-10T12:00:00Z");
  @TempDir Path dir;

  /** The five scopes with columns of their own and eleven more, all with 32-letter names where free. */
  static Map<String, String> longestSubjects() {
    Map<String, String> subjects = new TreeMap<>();
    for (String scope : new String[] {"user", "team", "project", "tool", "provider"}) {
      subjects.put(scope, LONGEST_ID);
    }
    for (int i = 0; i < 11; i++) {
      subjects.put(String.valueOf((char) ('c' + i)).repeat(32), LONGEST_ID);
    }
    return subjects;
  }

  /** Sixteen meters a request names and the {@code requests} meter the engine adds. */
  static Map<String, Long> longestMeters() {
    Map<String, Long> meters = new TreeMap<>();
    for (int i = 0; i < 16; i++) {
      meters.put(String.valueOf((char) ('a' + i)).repeat(32), Money.MAX_NANOS);
    }
    meters.put("requests", 1L);
    return meters;
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void theLedgerKeepsTheLongestSubjectsKeysAndMetersThroughItsRollup(Backend backend) {
    try (var t = backend.open(dir);
        var ledger = JdbcUsageLedger.builder(t.db).spoolDirectory(dir.resolve("spool")).build()) {
      UsageEntry entry = new UsageEntry(
          LONGEST_ID, T0, longestSubjects(), Money.of("1.25"), longestMeters(), LONGEST_ID, LONGEST_ID, Money.ZERO);
      ledger.append(entry);
      assertThat(ledger.entries(Map.of("user", LONGEST_ID), T0, T0.plusSeconds(1))).containsExactly(entry);

      assertThat(ledger.prune(T0.plus(Duration.ofDays(40))).rawRowsDeleted()).isEqualTo(1);
      assertThat(new CostReports(t.db).report(
              LocalDate.parse("2025-02-01"), LocalDate.parse("2025-03-01"), Period.MONTH, GroupBy.PROVIDER, Map.of("user", LONGEST_ID)))
          .containsExactly(new CostRow("2025-02", LONGEST_ID, null, MoneyTotal.of("1.25"), 1));

      Map<String, String> tooLong = new TreeMap<>(longestSubjects());
      tooLong.put("team", LONGEST_ID + EMOJI);
      assertRefused(() -> ledger.append(new UsageEntry("e2", T0, tooLong, Money.of("1"), Map.of(), null, null, Money.ZERO)),
          "subjects.team");
      assertRefused(() -> ledger.append(new UsageEntry("e3", T0, Map.of("user", "u"), Money.of("1"), Map.of(), null, LONGEST_ID + EMOJI, Money.ZERO)),
          "idempotencyKey");
      Map<String, Long> tooMany = new TreeMap<>(longestMeters());
      tooMany.put("one_more", 1L);
      assertRefused(() -> ledger.append(new UsageEntry("e4", T0, Map.of("user", "u"), Money.of("1"), tooMany, null, null, Money.ZERO)),
          "meters");
      assertThat(t.queryLong("SELECT COUNT(*) FROM usage_entry")).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void theConfigurationAndItsAuditTrailKeepTheLongestSelectorSubjectActorTargetAndReason(Backend backend) {
    try (var t = backend.open(dir)) {
      var repo = new JdbcConfigRepository(t.db);
      String actor = EMOJI.repeat(200);
      String reason = EMOJI.repeat(1000);
      String overrideId = "o".repeat(128);
      Policy policy = Policy.builder(LONGEST_PAIR).concurrency(1).build();
      repo.putPolicy(policy, replaced -> new AuditEntry(0, T0, actor, "policy.create", LONGEST_PAIR, null, "{}", reason));
      Override override = new Override(overrideId, Selector.parse(LONGEST_PAIR), null, true, T0.plusSeconds(60), reason, actor, T0);
      String target = LONGEST_PAIR + " #" + overrideId;
      repo.putOverride(override, new AuditEntry(0, T0, actor, "override.create", target, null, "bypass", reason));

      Subject longest = Subject.of("a".repeat(32), LONGEST_ID);
      repo.putSubjectReset(longest, T0, new AuditEntry(0, T0, actor, "subject.reset", longest.toString(), null, null, reason));

      assertThat(repo.subjectReset(longest)).contains(T0);
      assertThat(repo.policies()).containsExactly(policy);
      assertThat(repo.versions(Selector.parse(LONGEST_PAIR)).get(0).actor()).isEqualTo(actor);
      assertThat(repo.overrides()).containsExactly(override);
      assertThat(repo.audit(AuditQuery.latest(10))).extracting(AuditEntry::target)
          .containsExactly(longest.toString(), target, LONGEST_PAIR);
      assertThat(repo.audit(AuditQuery.latest(10))).allSatisfy(e -> {
        assertThat(e.actor()).isEqualTo(actor);
        assertThat(e.reason()).isEqualTo(reason);
      });
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void anApiKeyKeepsTheLongestNameAndAThousandOfTheLongestSubjects(Backend backend) {
    try (var t = backend.open(dir)) {
      var keys = new ApiKeyRepository(t.db);
      Set<Subject> readable = new TreeSet<>();
      for (int i = 0; i < 1000; i++) {
        readable.add(Subject.of("a".repeat(32), EMOJI.repeat(124) + String.format("%04d", i)));
      }
      String name = EMOJI.repeat(200);
      var issued = keys.issue(name, Role.VIEWER, readable, T0, null);
      assertThat(keys.authenticate(issued.secret())).contains(issued.key());
      assertThat(issued.key().name()).isEqualTo(name);
      assertThat(issued.key().readable()).hasSize(1000);

      assertRefused(() -> keys.issue(name + EMOJI, Role.ADMIN, Set.of(), T0, null), "name");
      assertRefused(() -> keys.issue("bad\u001bname", Role.ADMIN, Set.of(), T0, null), "name");
      assertThat(keys.list()).hasSize(1);
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void anAlertKeepsTheLongestPolicyAndSubject(Backend backend) {
    try (var t = backend.open(dir)) {
      var alerts = new JdbcAlertHistory(t.db, java.time.Clock.fixed(T0, java.time.ZoneOffset.UTC));
      Alert alert = new Alert("a1", T0, LONGEST_PAIR, LONGEST_PAIR, "daily", Instant.parse("2025-02-10T00:00:00Z"),
          new BigDecimal("0.5"), new BigDecimal("0.6"), new BigDecimal("1"), "USD");
      alerts.append(alert);
      assertThat(alerts.query(LONGEST_PAIR, LONGEST_PAIR, null, null, 0, 10)).containsExactly(alert);

      // A delivery error is cut to the column's width, never between the halves of a character.
      alerts.markFailed("a1", "x" + EMOJI.repeat(600), false);
      assertThat(alerts.delivery("a1").orElseThrow().lastError()).isEqualTo("x" + EMOJI.repeat(499));

      // So are a webhook's own error and the URL shown for it, which the configuration does not bound.
      WebhookRef longUrl = WebhookRef.of("https://hooks.example/x" + EMOJI.repeat(1200));
      assertThat(alerts.markWebhookFailed("a1", longUrl, "x" + EMOJI.repeat(600), false)).isTrue();
      var row = alerts.delivery("a1").orElseThrow().webhooks().get(0);
      assertThat(row.lastError()).isEqualTo("x" + EMOJI.repeat(499));
      assertThat(row.webhook().url()).isEqualTo(longUrl.url().substring(0, 1999));
    }
  }

  private static void assertRefused(Runnable action, String field) {
    assertThatThrownBy(action::run)
        .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo(field));
  }
}
