package dev.quota.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.Budget;
import dev.quota.Money;
import dev.quota.Policy;
import dev.quota.Selector;
import dev.quota.Subject;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.AuditQuery;
import dev.quota.admin.Override;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class JdbcConfigRepositoryTest {
  static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");
  @TempDir Path dir;

  static Policy limit(String selector, long perMinute) {
    return Policy.builder(selector).rateLimit(perMinute, Duration.ofMinutes(1)).build();
  }

  static AuditEntry audit(String action, String target, String reason) {
    return new AuditEntry(0, T0, "alice", action, target, null, "after", reason);
  }

  /** Thresholds an earlier version stored but refuses now are mended on reading, not fatal. */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void aStoredPolicyWithThresholdsRefusedSinceStillLoads(Backend backend) {
    try (var t = backend.open(dir)) {
      t.execute("INSERT INTO policy (selector, version, body, updated_at) VALUES ('team:*', 1,"
          + " '{\"concurrency\":1,\"alertThresholds\":[0.5,0.50,1e-400,0.9999999999]}', TIMESTAMP WITH TIME ZONE '2025-03-01 10:00:00+00')");
      var repo = new JdbcConfigRepository(t.db);
      assertThat(repo.policies()).singleElement().satisfies(p -> assertThat(p.alertThresholds())
          .containsExactly(new java.math.BigDecimal("0.000000001"), new java.math.BigDecimal("0.5")));
      assertThatThrownBy(() -> dev.quota.jdbc.json.PolicyJson.read(
              "{\"concurrency\":1,\"alertThresholds\":[0.5,0.50]}", Selector.parse("team:*")))
          .isInstanceOf(dev.quota.ValidationException.class);
    }
  }

  /**
   * Earlier versions took any zone ZoneId.of reads; legacy names (SystemV/EST5, GMT+2, EST5EDT)
   * are refused now for new policies. What they stored keeps loading with its zone, a policy and an
   * override's limits alike, and the engine starts on it.
   */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void aPolicyAndAnOverrideStoredWithALegacyTimeZoneStillLoad(Backend backend) {
    try (var t = backend.open(dir)) {
      String at = "TIMESTAMP WITH TIME ZONE '2025-03-01 10:00:00+00'";
      t.execute("INSERT INTO policy (selector, version, body, updated_at) VALUES ('team:*', 1,"
          + " '{\"budget\":{\"currency\":\"USD\",\"daily\":\"1\",\"timezone\":\"SystemV/EST5\"}}', " + at + ")");
      t.execute("INSERT INTO policy (selector, version, body, updated_at) VALUES ('user:*', 1,"
          + " '{\"budget\":{\"currency\":\"USD\",\"daily\":\"1\",\"timezone\":\"EST5EDT\"}}', " + at + ")");
      String override = "{\"id\":\"o1\",\"selector\":\"user:alice\",\"limits\":{\"budget\":{\"currency\":\"USD\",\"daily\":\"2\","
          + "\"timezone\":\"GMT+2\"}},\"expiresAt\":\"2030-01-01T00:00:00Z\",\"reason\":\"launch\",\"actor\":\"alice\"}";
      t.execute("INSERT INTO policy_override (id, selector, body, expires_at) VALUES ('o1', 'user:alice', '"
          + override + "', TIMESTAMP WITH TIME ZONE '2030-01-01 00:00:00+00')");
      var repo = new JdbcConfigRepository(t.db);

      assertThat(repo.policies()).extracting(p -> p.budget().zone().getId()).containsExactlyInAnyOrder("SystemV/EST5", "EST5EDT");
      assertThat(repo.overrides()).singleElement().satisfies(o -> assertThat(o.replacement().budget().zone().getId()).isEqualTo("GMT+02:00"));
      try (dev.quota.Quota quota = dev.quota.Quota.builder().config(repo).build()) {
        assertThat(quota.admin().policies()).hasSize(2);
        assertThat(quota.check(dev.quota.QuotaRequest.builder().user("alice").team("a").build()).admitted()).isTrue();
      }
    }
  }

  /**
   * An earlier version accepted identifiers that begin or end with whitespace, refused now. What it
   * stored keeps loading into the engine beside the rest: a policy and an override bound to such a
   * selector. The policy can be read and deleted by the selector it was stored under.
   */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void aPolicyAndAnOverrideStoredWithAPaddedIdentifierStillLoad(Backend backend) {
    try (var t = backend.open(dir)) {
      String at = "TIMESTAMP WITH TIME ZONE '2025-03-01 10:00:00+00'";
      t.execute("INSERT INTO policy (selector, version, body, updated_at) VALUES ('user:alice ', 1, '{\"concurrency\":1}', " + at + ")");
      String override = "{\"id\":\"o1\",\"selector\":\"tool:search\u00a0,user:*\",\"bypass\":true,"
          + "\"expiresAt\":\"2030-01-01T00:00:00Z\",\"reason\":\"launch\",\"actor\":\"alice\"}";
      t.execute("INSERT INTO policy_override (id, selector, body, expires_at) VALUES ('o1', 'tool:search\u00a0,user:*', '"
          + override + "', TIMESTAMP WITH TIME ZONE '2030-01-01 00:00:00+00')");
      var repo = new JdbcConfigRepository(t.db);
      repo.putPolicy(limit("user:alice", 5), replaced -> audit("policy.put", "user:alice", "the one meant"));

      assertThat(repo.policies()).extracting(p -> p.selector().toString()).containsExactlyInAnyOrder("user:alice", "user:alice ");
      assertThat(repo.overrides()).singleElement().satisfies(o -> {
        assertThat(o.selector().toString()).isEqualTo("tool:search\u00a0,user:*");
        assertThat(o.bypass()).isTrue();
      });
      // The engine starts on them and loads each.
      try (dev.quota.Quota quota = dev.quota.Quota.builder().config(repo).build()) {
        assertThat(quota.admin().policies()).hasSize(2);
        assertThat(quota.admin().overrides()).hasSize(1);
        assertThat(quota.check(dev.quota.QuotaRequest.builder().user("alice").build()).admitted()).isTrue();
      }

      Selector padded = Selector.parseStored("user:alice ");
      assertThat(repo.policy(padded)).isPresent();
      assertThat(repo.deletePolicy(padded, deleted -> audit("policy.delete", "user:alice ", "cleanup"))).isPresent();
      assertThat(repo.policies()).extracting(p -> p.selector().toString()).containsExactly("user:alice");
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void keepsEveryPolicyVersionAndAnAuditRowPerChange(Backend backend) {
    try (var t = backend.open(dir)) {
      var repo = new JdbcConfigRepository(t.db);
      Selector users = Selector.parse("user:*");
      Policy budgeted =
          Policy.builder(users).budget(Budget.of("USD", Money.of("10.00"), null, null)).build();

      // Each write reports what it replaced or deleted, and hands the same to the audit entry it stores.
      List<Object> given = new java.util.ArrayList<>();
      assertThat(repo.putPolicy(limit("user:*", 60), replaced -> {
        given.add(replaced);
        return audit("policy.put", "user:*", "initial");
      })).isEmpty();
      assertThat(repo.putPolicy(budgeted, replaced -> {
        given.add(replaced);
        return audit("policy.put", "user:*", "add budget");
      })).contains(limit("user:*", 60));
      repo.putPolicy(limit("team:core", 5), replaced -> audit("policy.put", "team:core", "team"));
      assertThat(repo.deletePolicy(Selector.parse("team:core"), deleted -> {
        given.add(deleted);
        return audit("policy.delete", "team:core", "gone");
      })).contains(limit("team:core", 5));
      assertThat(repo.deletePolicy(Selector.parse("team:core"), deleted -> audit("policy.delete", "team:core", "again"))).isEmpty();
      assertThat(given).containsExactly(java.util.Optional.empty(), java.util.Optional.of(limit("user:*", 60)), limit("team:core", 5));

      assertThat(repo.policies()).containsExactly(budgeted);
      assertThat(repo.policy(users)).contains(budgeted);
      assertThat(repo.policy(Selector.parse("team:core"))).isEmpty();
      List<PolicyVersion> versions = repo.versions(users);
      assertThat(versions).extracting(PolicyVersion::version).containsExactly(2L, 1L);
      assertThat(versions.get(1).policy()).isEqualTo(limit("user:*", 60));
      assertThat(repo.versions(Selector.parse("team:core")).get(0).deleted()).isTrue();

      List<AuditEntry> trail = repo.audit(AuditQuery.latest(10));
      assertThat(trail).extracting(AuditEntry::reason).containsExactly("gone", "team", "add budget", "initial");
      assertThat(trail.get(0).at()).isEqualTo(T0);
      assertThat(repo.audit(new AuditQuery(null, null, "team", null, null, 0, 10))).hasSize(2);
      assertThat(repo.audit(new AuditQuery("alice", "policy.put", null, null, null, 1, 1)))
          .extracting(AuditEntry::reason)
          .containsExactly("add budget");
      assertThat(repo.audit(new AuditQuery(null, null, null, T0.plusSeconds(1), null, 0, 10))).isEmpty();
    }
  }

  /** What lets an engine's periodic reload keep its policy snapshot while nothing changed. */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void anUnchangedConfigurationReadsBackEqual(Backend backend) {
    try (var t = backend.open(dir)) {
      var repo = new JdbcConfigRepository(t.db);
      Policy full =
          Policy.builder("user:*").rateLimit(60, Duration.ofMinutes(1))
              .budget(Budget.of("USD", Money.of("10.50"), Money.of("200"), null)).build();
      repo.putPolicy(full, replaced -> audit("policy.put", "user:*", "initial"));
      repo.putPolicy(limit("team:core", 5), replaced -> audit("policy.put", "team:core", "team"));
      repo.putOverride(
          new Override("o1", Selector.parse("user:bob"), limit("user:bob", 600), false, T0.plusSeconds(3600), "burst", "alice", T0),
          audit("override.create", "user:bob", "burst"));

      var other = new JdbcConfigRepository(t.db); // another server reading the same database
      assertThat(other.policies()).isEqualTo(repo.policies()).isEqualTo(repo.policies()).hasSize(2);
      assertThat(other.overrides()).isEqualTo(repo.overrides()).hasSize(1);
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aChangeWhoseAuditRowFailsLeavesNeither(Backend backend) {
    try (var t = backend.open(dir)) {
      var repo = new JdbcConfigRepository(t.db);
      repo.putPolicy(limit("user:*", 60), replaced -> audit("policy.put", "user:*", "v1"));
      // The database itself refuses the audit row, after the policy rows were already written.
      t.execute("ALTER TABLE audit_log ADD CONSTRAINT audit_refuses CHECK (reason <> 'refused')");

      assertThatThrownBy(() -> repo.putPolicy(limit("user:*", 1), replaced -> audit("policy.put", "user:*", "refused")))
          .isInstanceOf(DatabaseException.class)
          .hasMessageContaining("storing policy user:*")
          .satisfies(e -> assertThat(((DatabaseException) e).isConstraintViolation()).isTrue());
      assertThatThrownBy(() -> repo.deletePolicy(Selector.parse("user:*"), deleted -> audit("policy.delete", "user:*", "refused")))
          .isInstanceOf(DatabaseException.class);
      Override o = override("o1");
      assertThatThrownBy(() -> repo.putOverride(o, audit("override.create", "user:bob", "refused")))
          .isInstanceOf(DatabaseException.class);

      assertThat(repo.policy(Selector.parse("user:*"))).contains(limit("user:*", 60));
      assertThat(repo.versions(Selector.parse("user:*"))).hasSize(1);
      assertThat(repo.overrides()).isEmpty();
      assertThat(repo.audit(AuditQuery.latest(10))).extracting(AuditEntry::reason).containsExactly("v1");
    }
  }

  /**
   * What makes a conditional write safe: an audit function that throws, as one refusing what the
   * write would replace does, leaves nothing behind (no policy, version or audit row), and its
   * exception reaches the caller as thrown.
   */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void anAuditFunctionThatThrowsStoresNothing(Backend backend) {
    try (var t = backend.open(dir)) {
      var repo = new JdbcConfigRepository(t.db);
      repo.putPolicy(limit("user:*", 60), replaced -> audit("policy.put", "user:*", "v1"));
      IllegalStateException refusal = new IllegalStateException("refused on what it replaces");

      assertThatThrownBy(() -> repo.putPolicy(limit("user:*", 1), replaced -> {
        throw refusal;
      })).isSameAs(refusal);
      assertThatThrownBy(() -> repo.putPolicy(limit("team:new", 1), replaced -> {
        throw refusal;
      })).isSameAs(refusal);
      assertThatThrownBy(() -> repo.deletePolicy(Selector.parse("user:*"), deleted -> {
        throw refusal;
      })).isSameAs(refusal);

      assertThat(new JdbcConfigRepository(t.db).policies()).containsExactly(limit("user:*", 60));
      assertThat(t.queryLong("SELECT COUNT(*) FROM policy_version")).isEqualTo(1);
      assertThat(repo.audit(AuditQuery.latest(10))).extracting(AuditEntry::reason).containsExactly("v1");
      // The version the refused writes would have claimed is still free.
      repo.putPolicy(limit("user:*", 30), replaced -> audit("policy.put", "user:*", "v2"));
      assertThat(repo.versions(Selector.parse("user:*"))).extracting(PolicyVersion::version).containsExactly(2L, 1L);
    }
  }

  /**
   * A put whose version claim meets another writer's is called again on what that writer left
   * once it commits, so a function that accepted the policy read first can still refuse the
   * write: a condition checked there holds for the policy actually replaced.
   */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void aPutThatLosesItsClaimCallsTheAuditFunctionAgainOnWhatTheWinnerLeft(Backend backend) throws Exception {
    try (var t = backend.open(dir); var held = t.db.connection()) {
      var repo = new JdbcConfigRepository(t.db);
      repo.putPolicy(limit("user:*", 60), replaced -> audit("policy.put", "user:*", "v1"));
      // Another writer, part way through its transaction: version 2 claimed and the policy replaced.
      String theirs = dev.quota.jdbc.json.PolicyJson.write(limit("user:*", 30));
      held.setAutoCommit(false);
      try (var s = held.createStatement()) {
        s.execute("INSERT INTO policy_version (selector, version, body, changed_at, actor) VALUES ('user:*', 2, '" + theirs
            + "', TIMESTAMP WITH TIME ZONE '2025-03-01 10:00:00+00', 'bob')");
        s.execute("UPDATE policy SET version = 2, body = '" + theirs + "' WHERE selector = 'user:*'");
      }
      long heldSession = sessionOf(backend, held);
      List<java.util.Optional<Policy>> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
      var pool = java.util.concurrent.Executors.newSingleThreadExecutor();
      var put = pool.submit(() -> repo.putPolicy(limit("user:*", 1), replaced -> {
        seen.add(replaced);
        if (!replaced.equals(java.util.Optional.of(limit("user:*", 60)))) {
          throw new IllegalStateException("changed meanwhile");
        }
        return audit("policy.put", "user:*", "mine");
      }));

      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
      while (waitingOn(backend, t, heldSession, "INSERT INTO policy_version (%") == 0) {
        assertThat(put.isDone()).as("the put must wait for the version claimed, not pass it").isFalse();
        assertThat(System.nanoTime()).as("the put never waited on the claimed version").isLessThan(deadline);
        Thread.sleep(5);
      }
      held.commit();

      assertThatThrownBy(() -> put.get(10, java.util.concurrent.TimeUnit.SECONDS))
          .hasCauseInstanceOf(IllegalStateException.class).hasMessageContaining("changed meanwhile");
      pool.shutdown();
      assertThat(seen).containsExactly(java.util.Optional.of(limit("user:*", 60)), java.util.Optional.of(limit("user:*", 30)));
      assertThat(repo.policy(Selector.parse("user:*"))).contains(limit("user:*", 30));
      assertThat(repo.versions(Selector.parse("user:*"))).extracting(PolicyVersion::version).containsExactly(2L, 1L);
      assertThat(repo.audit(AuditQuery.latest(10))).extracting(AuditEntry::reason).containsExactly("v1");
    }
  }

  /** A row that cannot be read must not keep every other policy and override from loading. */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void rowsThatCannotBeReadAreSkippedAndTheRestStillLoads(Backend backend) {
    try (var t = backend.open(dir)) {
      var repo = new JdbcConfigRepository(t.db);
      repo.putPolicy(limit("user:*", 60), replaced -> audit("policy.put", "user:*", "ok"));
      repo.putOverride(override("o1"), audit("override.create", "user:bob", "ok"));
      String at = "TIMESTAMP WITH TIME ZONE '2025-03-01 10:00:00+00'";
      t.execute("INSERT INTO policy (selector, version, body, updated_at) VALUES ('team:core', 1, '{not json', " + at + ")");
      t.execute("INSERT INTO policy (selector, version, body, updated_at) VALUES ('Team:Core', 1, '{\"concurrency\":1}', " + at + ")");
      t.execute("INSERT INTO policy_override (id, selector, body, expires_at) VALUES ('o0', 'user:eve', '{\"id\":\"o0\"}', " + at + ")");

      assertThat(repo.policies()).containsExactly(limit("user:*", 60));
      assertThat(repo.overrides()).containsExactly(override("o1"));
      assertThat(repo.policy(Selector.parse("team:core"))).isEmpty();
      // The unreadable policy is not deleted: there is no policy to name as the one deleted.
      assertThat(repo.deletePolicy(Selector.parse("team:core"), deleted -> audit("policy.delete", "team:core", "no"))).isEmpty();
      assertThat(t.queryLong("SELECT COUNT(*) FROM policy WHERE selector = 'team:core'")).isEqualTo(1);
      // It can be replaced like any other, replacing none that could be read.
      assertThat(repo.putPolicy(limit("team:core", 5), replaced -> audit("policy.put", "team:core", "repair"))).isEmpty();
      assertThat(repo.policies()).containsExactly(limit("team:core", 5), limit("user:*", 60));
      assertThat(repo.audit(AuditQuery.latest(10))).extracting(AuditEntry::reason).containsExactly("repair", "ok", "ok");
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void keepsTheLatestResetOfEachSubjectWithAnAuditRowPerReset(Backend backend) {
    try (var t = backend.open(dir)) {
      var repo = new JdbcConfigRepository(t.db);
      Subject alice = Subject.of("user", "alice");
      Instant first = T0.plusSeconds(60);
      Instant later = T0.plusSeconds(120);
      repo.putSubjectReset(alice, first, audit("subject.reset", "user:alice", "r1"));
      assertThat(repo.subjectReset(alice)).contains(first);

      // An earlier time (a server whose clock lags) moves no mark back; a later one moves it on.
      repo.putSubjectReset(alice, T0, audit("subject.reset", "user:alice", "r2"));
      assertThat(repo.subjectReset(alice)).contains(first);
      repo.putSubjectReset(alice, later, audit("subject.reset", "user:alice", "r3"));

      // What another server, or this one after a restart, reads back.
      var reloaded = new JdbcConfigRepository(t.db);
      assertThat(reloaded.subjectReset(alice)).contains(later);
      assertThat(reloaded.subjectReset(Subject.of("user", "bob"))).isEmpty();
      assertThat(reloaded.subjectReset(Subject.of("team", "alice"))).isEmpty();
      assertThat(t.queryLong("SELECT COUNT(*) FROM subject_reset")).isEqualTo(1);
      assertThat(reloaded.audit(AuditQuery.latest(10))).extracting(AuditEntry::reason).containsExactly("r3", "r2", "r1");
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aResetWhoseAuditRowFailsLeavesNoMark(Backend backend) {
    try (var t = backend.open(dir)) {
      var repo = new JdbcConfigRepository(t.db);
      Subject alice = Subject.of("user", "alice");
      repo.putSubjectReset(alice, T0, audit("subject.reset", "user:alice", "first"));
      t.execute("ALTER TABLE audit_log ADD CONSTRAINT audit_refuses CHECK (reason <> 'refused')");

      assertThatThrownBy(() -> repo.putSubjectReset(alice, T0.plusSeconds(60), audit("subject.reset", "user:alice", "refused")))
          .isInstanceOf(DatabaseException.class)
          .hasMessageContaining("storing the reset of user:alice");
      assertThatThrownBy(() -> repo.putSubjectReset(Subject.of("user", "bob"), T0, audit("subject.reset", "user:bob", "refused")))
          .isInstanceOf(DatabaseException.class);

      assertThat(repo.subjectReset(alice)).contains(T0);
      assertThat(repo.subjectReset(Subject.of("user", "bob"))).isEmpty();
      assertThat(repo.audit(AuditQuery.latest(10))).extracting(AuditEntry::reason).containsExactly("first");
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void concurrentFirstResetsOfOneSubjectKeepTheLatest(Backend backend) throws Exception {
    try (var t = backend.open(dir)) {
      var repo = new JdbcConfigRepository(t.db);
      Subject alice = Subject.of("user", "alice");
      int writers = 4;
      var pool = java.util.concurrent.Executors.newFixedThreadPool(writers);
      var start = new java.util.concurrent.CountDownLatch(1);
      var futures = new java.util.ArrayList<java.util.concurrent.Future<?>>();
      for (int i = 0; i < writers; i++) {
        Instant at = T0.plusSeconds(i);
        futures.add(pool.submit(() -> {
          start.await();
          repo.putSubjectReset(alice, at, audit("subject.reset", "user:alice", "w" + at.getEpochSecond()));
          return null;
        }));
      }
      start.countDown();
      for (var f : futures) {
        f.get();
      }
      pool.shutdown();
      assertThat(repo.subjectReset(alice)).contains(T0.plusSeconds(writers - 1));
      assertThat(repo.audit(AuditQuery.latest(10))).hasSize(writers);
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void createStoresAFreeSelectorOnceAndLeavesNoTraceOfARefusal(Backend backend) {
    try (var t = backend.open(dir)) {
      var repo = new JdbcConfigRepository(t.db);
      Selector users = Selector.parse("user:*");
      assertThat(repo.createPolicy(limit("user:*", 60), audit("policy.create", "user:*", "first"))).isTrue();

      assertThat(repo.createPolicy(limit("user:*", 1), audit("policy.create", "user:*", "second"))).isFalse();
      repo.putPolicy(limit("user:*", 30), replaced -> audit("policy.update", "user:*", "lowered"));
      assertThat(repo.createPolicy(limit("user:*", 1), audit("policy.create", "user:*", "third"))).isFalse();

      assertThat(new JdbcConfigRepository(t.db).policy(users)).contains(limit("user:*", 30));
      assertThat(repo.versions(users)).extracting(PolicyVersion::version).containsExactly(2L, 1L);
      assertThat(repo.audit(AuditQuery.latest(10))).extracting(AuditEntry::reason).containsExactly("lowered", "first");

      // Once deleted, the selector is free again, and its versions go on from the deletion's.
      assertThat(repo.deletePolicy(users, deleted -> audit("policy.delete", "user:*", "gone"))).isPresent();
      assertThat(repo.createPolicy(limit("user:*", 5), audit("policy.create", "user:*", "again"))).isTrue();
      assertThat(repo.policy(users)).contains(limit("user:*", 5));
      assertThat(repo.versions(users)).extracting(PolicyVersion::version).containsExactly(4L, 3L, 2L, 1L);
      assertThat(t.queryLong("SELECT version FROM policy WHERE selector = 'user:*'")).isEqualTo(4);
    }
  }

  /**
   * A policy row another writer has inserted but not yet committed is invisible to a read, so only
   * the insert's duplicate key can refuse the create: it waits for that writer and, once it
   * commits, refuses, keeping no version or audit row of its own.
   */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void aCreateThatMeetsAnUncommittedPolicyOfItsSelectorIsRefusedOnceThatCommits(Backend backend) throws Exception {
    try (var t = backend.open(dir); var held = t.db.connection()) {
      var repo = new JdbcConfigRepository(t.db);
      held.setAutoCommit(false);
      try (var s = held.createStatement()) {
        s.execute("INSERT INTO policy (selector, version, body, updated_at) VALUES ('team:core', 7, '{\"concurrency\":1}',"
            + " TIMESTAMP WITH TIME ZONE '2025-03-01 10:00:00+00')");
      }
      long heldSession = sessionOf(backend, held);
      var pool = java.util.concurrent.Executors.newSingleThreadExecutor();
      var create = pool.submit(() -> repo.createPolicy(limit("team:core", 5), audit("policy.create", "team:core", "mine")));

      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
      while (waitingOn(backend, t, heldSession, "INSERT INTO policy (%") == 0) {
        assertThat(create.isDone()).as("the create must wait for the uncommitted row, not pass it").isFalse();
        assertThat(System.nanoTime()).as("the create never waited on the uncommitted row").isLessThan(deadline);
        Thread.sleep(5);
      }
      held.commit();

      assertThat(create.get(10, java.util.concurrent.TimeUnit.SECONDS)).isFalse();
      pool.shutdown();
      assertThat(repo.policy(Selector.parse("team:core"))).contains(Policy.builder("team:core").concurrency(1).build());
      assertThat(t.queryLong("SELECT COUNT(*) FROM policy_version")).isZero();
      assertThat(repo.audit(AuditQuery.latest(10))).isEmpty();
    }
  }

  /** The session id the database gives {@code c}, as its lock views name blockers. */
  private static long sessionOf(Backend backend, java.sql.Connection c) throws java.sql.SQLException {
    try (var s = c.createStatement();
        var rs = s.executeQuery(backend == Backend.H2 ? "SELECT SESSION_ID()" : "SELECT pg_backend_pid()")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /**
   * How many sessions wait on a lock {@code session} holds. H2 names no blocker of a wait for a
   * row, so there it is the sessions running a statement like {@code insert}, which only the row
   * {@code session} holds can keep waiting.
   */
  private static long waitingOn(Backend backend, Backend.TestDb t, long session, String insert) {
    return t.queryLong(backend == Backend.H2
        ? "SELECT COUNT(*) FROM INFORMATION_SCHEMA.SESSIONS WHERE SESSION_ID <> " + session
            + " AND EXECUTING_STATEMENT LIKE '" + insert + "'"
        : "SELECT COUNT(*) FROM pg_stat_activity WHERE " + session + " = ANY(pg_blocking_pids(pid))");
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void ofConcurrentCreatesOfOneSelectorExactlyOneWins(Backend backend) throws Exception {
    try (var t = backend.open(dir)) {
      var repo = new JdbcConfigRepository(t.db);
      int creators = 6;
      var pool = java.util.concurrent.Executors.newFixedThreadPool(creators);
      for (int round = 0; round < 5; round++) {
        String selector = "user:u" + round;
        var start = new java.util.concurrent.CountDownLatch(1);
        var futures = new java.util.ArrayList<java.util.concurrent.Future<Boolean>>();
        for (int i = 1; i <= creators; i++) {
          long n = i;
          futures.add(pool.submit(() -> {
            start.await();
            return repo.createPolicy(limit(selector, n), audit("policy.create", selector, "w" + n));
          }));
        }
        start.countDown();
        List<Long> winners = new java.util.ArrayList<>();
        for (int i = 0; i < creators; i++) {
          if (futures.get(i).get(30, java.util.concurrent.TimeUnit.SECONDS)) {
            winners.add(i + 1L);
          }
        }
        assertThat(winners).as("round " + round).hasSize(1);
        assertThat(repo.policy(Selector.parse(selector))).contains(limit(selector, winners.get(0)));
        assertThat(repo.versions(Selector.parse(selector))).extracting(PolicyVersion::version).containsExactly(1L);
        assertThat(repo.audit(new AuditQuery(null, null, selector, null, null, 0, 10)))
            .extracting(AuditEntry::reason).containsExactly("w" + winners.get(0));
      }
      pool.shutdown();
    }
  }

  static Override override(String id) {
    return new Override(
        id, Selector.parse("user:bob"), null, true, T0.plus(Duration.ofHours(1)), "incident 42", "alice", T0);
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void storesAndRevokesOverrides(Backend backend) {
    try (var t = backend.open(dir)) {
      var repo = new JdbcConfigRepository(t.db);
      Override bypass = override("o1");
      Override limits =
          new Override(
              "o2", Selector.parse("user:carol"), limit("user:carol", 600), false, T0.plusSeconds(60), "demo", "alice", T0);
      repo.putOverride(bypass, audit("override.create", "user:bob", "r1"));
      repo.putOverride(limits, audit("override.create", "user:carol", "r2"));

      assertThat(repo.overrides()).containsExactly(bypass, limits);
      assertThat(repo.deleteOverride("o1", audit("override.revoke", "user:bob", "r3"))).isTrue();
      assertThat(repo.deleteOverride("o1", audit("override.revoke", "user:bob", "r4"))).isFalse();
      assertThat(repo.overrides()).containsExactly(limits);
      assertThat(repo.audit(AuditQuery.latest(10))).extracting(AuditEntry::reason).containsExactly("r3", "r2", "r1");
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void concurrentWritersOfOneSelectorGetDistinctVersions(Backend backend) throws Exception {
    try (var t = backend.open(dir)) {
      var repo = new JdbcConfigRepository(t.db);
      int writers = 4;
      var pool = java.util.concurrent.Executors.newFixedThreadPool(writers);
      var futures = new java.util.ArrayList<java.util.concurrent.Future<?>>();
      for (int i = 0; i < writers; i++) {
        long n = i + 1;
        futures.add(pool.submit(() -> repo.putPolicy(limit("user:*", n), replaced -> audit("policy.put", "user:*", "w" + n))));
      }
      for (var f : futures) {
        f.get(30, java.util.concurrent.TimeUnit.SECONDS); // none fails: writers of one selector queue for their version
      }
      pool.shutdown();
      // Every write is exactly one version and one audit row.
      assertThat(repo.versions(Selector.parse("user:*"))).extracting(PolicyVersion::version).containsExactly(4L, 3L, 2L, 1L);
      assertThat(repo.audit(AuditQuery.latest(10))).hasSize(writers);
    }
  }
}
