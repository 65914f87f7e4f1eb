package dev.quota.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.ConflictException;
import dev.quota.Subject;
import dev.quota.ValidationException;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.AuditQuery;
import dev.quota.jdbc.ApiKeyRepository.Role;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ApiKeyRepositoryTest {
  static final Instant T0 = Instant.parse("2025-03-10T12:00:00Z");
  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(Backend.class)
  void storesOnlyAHashAndAuthenticatesUntilRevoked(Backend backend) {
    try (var t = backend.open(dir)) {
      var keys = new ApiKeyRepository(t.db);
      var audit = new AuditEntry(0, T0, "root", "key.issue", "key", null, null, "bootstrap");
      assertThat(keys.isEmpty()).isTrue();
      var admin = keys.issue("ops", Role.ADMIN, Set.of(), T0, audit);
      var viewer = keys.issue("finance", Role.VIEWER, Set.of(Subject.parse("team:core"), Subject.parse("user:alice")), T0, null);

      assertThat(admin.secret()).startsWith("qk_").hasSizeGreaterThan(40);
      assertThat(admin.toString()).doesNotContain(admin.secret());
      assertThat(t.queryLong("SELECT COUNT(*) FROM api_key WHERE key_hash = '" + ApiKeyRepository.hash(admin.secret()) + "'"))
          .isEqualTo(1);
      assertThat(t.queryLong("SELECT COUNT(*) FROM api_key WHERE subjects LIKE '%" + admin.secret() + "%' OR name = '"
          + admin.secret() + "'")).isZero();

      assertThat(keys.authenticate(admin.secret())).contains(admin.key());
      var v = keys.authenticate(viewer.secret()).orElseThrow();
      assertThat(v.role()).isEqualTo(Role.VIEWER);
      assertThat(v.mayRead(Subject.parse("user:alice"))).isTrue();
      assertThat(v.mayRead(Subject.parse("user:bob"))).isFalse();
      assertThat(keys.authenticate(admin.secret() + "x")).isEmpty();
      assertThat(keys.authenticate("not-a-key")).isEmpty();

      assertThat(keys.revokeNamed(viewer.key().name(), T0.plusSeconds(1), null)).containsExactly(viewer.key());
      assertThat(keys.revokeNamed(viewer.key().name(), T0.plusSeconds(2), null)).isEmpty();
      assertThat(keys.authenticate(viewer.secret())).isEmpty();
      assertThat(keys.list()).extracting(ApiKeyRepository.ApiKey::active).containsExactlyInAnyOrder(true, false);
      assertThat(new JdbcConfigRepository(t.db).audit(AuditQuery.latest(5))).extracting(AuditEntry::reason).containsExactly("bootstrap");
    }
  }

  /**
   * A viewer key bound, before identifiers were refused a ',' or whitespace at either end, to a
   * subject such as {@code user:a,tool:x} or {@code user:"alice "} still authenticates and lists,
   * bound to its other subjects only: no request can name those any more.
   */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void aStoredSubjectThatBreaksTodaysRuleGrantsNothingAndTheKeyStillLoads(Backend backend) {
    try (var t = backend.open(dir)) {
      var keys = new ApiKeyRepository(t.db);
      var viewer = keys.issue("old-viewer", Role.VIEWER, Set.of(Subject.parse("user:bob")), T0, null);
      t.execute("UPDATE api_key SET subjects = 'user:a,tool:x\nuser:alice \nuser:bob\n' WHERE id = '" + viewer.key().id() + "'");

      var v = keys.authenticate(viewer.secret()).orElseThrow();
      assertThat(v.readable()).containsExactly(Subject.parse("user:bob"));
      assertThat(keys.list()).singleElement().satisfies(k -> assertThat(k.readable()).containsExactly(Subject.parse("user:bob")));
    }
  }

  /**
   * A name with whitespace at an end would be a key, and an actor in the audit trail, apart from
   * the one it reads as: it is refused and nothing is stored. A key so named before still works.
   */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void aNamePaddedWithWhitespaceIsRefusedButOneStoredBeforeStillAuthenticates(Backend backend) {
    try (var t = backend.open(dir)) {
      var keys = new ApiKeyRepository(t.db);
      for (String name : List.of("ops ", " ops", "ops\u00a0")) {
        assertThatThrownBy(() -> keys.issue(name, Role.SERVICE, Set.of(), T0, null))
            .isInstanceOfSatisfying(ValidationException.class, e -> {
              assertThat(e.field()).isEqualTo("name");
              assertThat(e.rule()).isEqualTo(Subject.PADDING_RULE);
            });
      }
      assertThat(keys.list()).isEmpty();

      var old = keys.issue("ops", Role.SERVICE, Set.of(), T0, null);
      t.execute("UPDATE api_key SET name = 'ops ' WHERE id = '" + old.key().id() + "'");
      assertThat(keys.authenticate(old.secret())).hasValueSatisfying(k -> assertThat(k.name()).isEqualTo("ops "));
      assertThat(keys.list()).singleElement().satisfies(k -> assertThat(k.name()).isEqualTo("ops "));
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aNameBelongsToOneActiveKeyAndIsFreeAgainOnceItIsRevoked(Backend backend) {
    try (var t = backend.open(dir)) {
      var keys = new ApiKeyRepository(t.db);
      var first = keys.issue("ops", Role.SERVICE, Set.of(), T0, null);
      assertThatThrownBy(() -> keys.issue("ops", Role.ADMIN, Set.of(), T0, null))
          .isInstanceOfSatisfying(ConflictException.class, e -> assertThat(e.field()).isEqualTo("name"));
      assertThat(keys.list()).hasSize(1);
      keys.revokeNamed("ops", T0.plusSeconds(1), null);
      var second = keys.issue("ops", Role.ADMIN, Set.of(), T0.plusSeconds(2), null);
      assertThat(keys.authenticate(second.secret())).isPresent();
      assertThat(keys.list()).filteredOn(ApiKeyRepository.ApiKey::active).extracting(ApiKeyRepository.ApiKey::id)
          .containsExactly(second.key().id());
    }
  }

  /**
   * {@code svc} and {@code SVC} would be two actors in the audit trail that read as one, so a name
   * is taken in every case, non-ASCII letters included, on both engines alike.
   */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void aNameIsTakenInEveryCase(Backend backend) {
    try (var t = backend.open(dir)) {
      var keys = new ApiKeyRepository(t.db);
      var svc = keys.issue("svc", Role.SERVICE, Set.of(), T0, null);
      keys.issue("ärger", Role.SERVICE, Set.of(), T0, null);
      for (String name : List.of("SVC", "Svc", "ÄRGER")) {
        assertThatThrownBy(() -> keys.issue(name, Role.SERVICE, Set.of(), T0, null))
            .as(name)
            .isInstanceOfSatisfying(ConflictException.class, e -> {
              assertThat(e.field()).isEqualTo("name");
              assertThat(e.rule()).contains("ignoring case").contains("'" + name + "' is taken as '");
            });
      }
      assertThat(keys.list()).extracting(ApiKeyRepository.ApiKey::name).containsExactlyInAnyOrder("svc", "ärger");

      keys.revokeNamed("svc", T0.plusSeconds(1), null);
      assertThat(keys.issue("SVC", Role.SERVICE, Set.of(), T0.plusSeconds(2), null).key().name()).isEqualTo("SVC");
    }
  }

  /** Two active keys named alike but for case, issued before names were compared ignoring case, both keep working. */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void keysNamedAlikeButForCaseBeforeTheRuleKeepWorking(Backend backend) {
    try (var t = backend.open(dir)) {
      var keys = new ApiKeyRepository(t.db);
      var lower = keys.issue("svc", Role.SERVICE, Set.of(), T0, null);
      var upper = keys.issue("other", Role.SERVICE, Set.of(), T0, null);
      t.execute("UPDATE api_key SET name = 'SVC' WHERE id = '" + upper.key().id() + "'");

      assertThat(keys.authenticate(lower.secret())).hasValueSatisfying(k -> assertThat(k.name()).isEqualTo("svc"));
      assertThat(keys.authenticate(upper.secret())).hasValueSatisfying(k -> assertThat(k.name()).isEqualTo("SVC"));
      assertThatThrownBy(() -> keys.issue("Svc", Role.SERVICE, Set.of(), T0, null)).isInstanceOf(ConflictException.class);
    }
  }

  /**
   * A name revokes the keys named so exactly, else the one named so ignoring case; one matching
   * several only ignoring case revokes none. Each key revoked is audited in the same transaction.
   */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void aNameRevokesItsKeysAndAuditsEach(Backend backend) {
    try (var t = backend.open(dir)) {
      var keys = new ApiKeyRepository(t.db);
      var svc = keys.issue("svc", Role.SERVICE, Set.of(), T0, null);
      var other = keys.issue("other", Role.ADMIN, Set.of(), T0, null);
      t.execute("UPDATE api_key SET name = 'SVC' WHERE id = '" + other.key().id() + "'");
      Function<ApiKeyRepository.ApiKey, AuditEntry> audit =
          k -> new AuditEntry(0, T0.plusSeconds(1), "admin", "key.revoke", k.name(), k.role().wireName(), null, "leaked");

      assertThatThrownBy(() -> keys.revokeNamed("Svc", T0.plusSeconds(1), audit))
          .isInstanceOfSatisfying(ConflictException.class, e -> assertThat(e.rule()).contains("'SVC', 'svc'"));
      assertThat(keys.list()).allMatch(ApiKeyRepository.ApiKey::active);

      assertThat(keys.revokeNamed("SVC", T0.plusSeconds(1), audit)).extracting(ApiKeyRepository.ApiKey::id)
          .containsExactly(other.key().id());
      assertThat(keys.revokeNamed("Svc", T0.plusSeconds(2), audit)).extracting(ApiKeyRepository.ApiKey::id)
          .containsExactly(svc.key().id());
      assertThat(keys.revokeNamed("svc", T0.plusSeconds(3), audit)).isEmpty();
      assertThat(keys.authenticate(svc.secret())).isEmpty();
      assertThat(t.queryLong("SELECT COUNT(*) FROM audit_log WHERE action = 'key.revoke'")).isEqualTo(2);
    }
  }

  /** Servers issuing the same name at once (each with its own repository) leave one active key. */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void aNameIssuedByManyAtOnceGoesToOne(Backend backend) throws Exception {
    try (var t = backend.open(dir)) {
      int issuers = 8;
      ExecutorService pool = Executors.newFixedThreadPool(issuers);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Boolean>> outcomes = new ArrayList<>();
      for (int i = 0; i < issuers; i++) {
        var keys = new ApiKeyRepository(t.db);
        outcomes.add(pool.submit(() -> {
          start.await();
          try {
            keys.issue("race", Role.SERVICE, Set.of(), T0, null);
            return true;
          } catch (ConflictException e) {
            return false;
          }
        }));
      }
      start.countDown();
      int issued = 0;
      for (Future<Boolean> f : outcomes) {
        issued += f.get(30, TimeUnit.SECONDS) ? 1 : 0;
      }
      pool.shutdown();
      assertThat(issued).isEqualTo(1);
      assertThat(t.queryLong("SELECT COUNT(*) FROM api_key WHERE name = 'race' AND revoked_at IS NULL")).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void viewerKeysMustNameSubjectsAndOthersMustNot(Backend backend) {
    try (var t = backend.open(dir)) {
      var keys = new ApiKeyRepository(t.db);
      assertThatThrownBy(() -> keys.issue("v", Role.VIEWER, Set.of(), T0, null))
          .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("subjects"));
      assertThatThrownBy(() -> keys.issue("s", Role.SERVICE, Set.of(Subject.parse("user:a")), T0, null))
          .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("subjects"));
      // A subject is never *, so no viewer key can be bound to every id of a scope.
      assertThatThrownBy(() -> keys.issue("w", Role.VIEWER, Set.of(Subject.of("user", "*")), T0, null))
          .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("id"));
      assertThatThrownBy(() -> Role.fromWire("role", "root"))
          .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("role"));
      assertThat(keys.list()).isEmpty();
    }
  }
}
