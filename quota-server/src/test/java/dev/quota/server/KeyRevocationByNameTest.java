package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.quota.jdbc.ApiKeyRepository;
import dev.quota.jdbc.Database;
import dev.quota.jdbc.DatabaseException;
import dev.quota.server.auth.JdbcKeyRing;
import dev.quota.server.auth.Principal;
import dev.quota.server.auth.Role;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Regression: a revocation by name listed the active keys, then revoked those it named one
 * transaction each. Two keys issued under one name before names were unique could so be revoked
 * one by each of two admins revoking that name at once, both told it succeeded; and a revocation
 * that failed after the first key left that one revoked and the other active. The keys a name
 * revokes are now found and revoked in one transaction: of revocations of one name at once exactly
 * one succeeds and is audited for every key, and one that fails revokes none. On the embedded
 * database and on PostgreSQL alike.
 */
class KeyRevocationByNameTest {
  /** Each round a fresh race: before the fix, every run measured split the keys by round 16. */
  private static final int ROUNDS = 50;
  private static final int REVOKERS = 6;

  @TempDir Path dir;
  private final PostgresSchema schema = new PostgresSchema();
  private Database db;

  @AfterEach
  void close() {
    if (db != null) {
      db.close();
    }
    schema.drop();
  }

  static Stream<Arguments> keyStores() {
    Function<KeyRevocationByNameTest, Database> h2 = t -> Database.embedded(t.dir);
    Function<KeyRevocationByNameTest, Database> postgres = t -> Database.open(t.schema.url());
    return Stream.of(Arguments.of("H2", h2), Arguments.of("PostgreSQL", postgres));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("keyStores")
  void ofRevocationsOfOneNameAtOnceOneRevokesEveryKeySoNamed(String store, Function<KeyRevocationByNameTest, Database> open)
      throws Exception {
    db = open.apply(this);
    ExecutorService pool = Executors.newFixedThreadPool(REVOKERS);
    try {
      for (int round = 0; round < ROUNDS; round++) {
        String name = "svc" + round;
        List<String> secrets = twoKeysNamed(name);
        // Each revoker as a server of its own: its own key ring over the shared database.
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> outcomes = new ArrayList<>();
        for (int i = 0; i < REVOKERS; i++) {
          JdbcKeyRing ring = ring();
          String actor = "admin" + i;
          outcomes.add(pool.submit(() -> {
            start.await();
            return ring.revoke(name, actor, "leaked");
          }));
        }
        start.countDown();
        List<String> succeeded = new ArrayList<>();
        for (int i = 0; i < REVOKERS; i++) {
          if (outcomes.get(i).get(30, TimeUnit.SECONDS)) {
            succeeded.add("admin" + i);
          }
        }

        assertThat(succeeded).as("round %d: revokers told they revoked %s", round, name).hasSize(1);
        assertThat(revocationsAudited(name)).as("round %d", round).containsExactly(succeeded.get(0), succeeded.get(0));
        JdbcKeyRing fresh = ring();
        for (String secret : secrets) {
          assertThat(fresh.authenticate(secret)).isEmpty();
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("keyStores")
  void aRevocationThatFailsPartWayRevokesNone(String store, Function<KeyRevocationByNameTest, Database> open)
      throws Exception {
    db = open.apply(this);
    List<String> secrets = twoKeysNamed("svc");
    JdbcKeyRing ring = ring();
    try (Connection holder = db.connection()) {
      // The key revoked last is held by another session, past the bound on waiting for a lock.
      holder.setAutoCommit(false);
      try (Statement s = holder.createStatement()) {
        s.executeQuery("SELECT id FROM api_key WHERE id = '" + lastIssued() + "' FOR UPDATE").close();
      }

      DatabaseException busy = catchThrowableOfType(() -> ring.revoke("svc", "admin", "leaked"), DatabaseException.class);

      assertThat(busy.isBusy()).as(busy.toString()).isTrue();
      holder.rollback();
    }
    assertThat(revocationsAudited("svc")).isEmpty();
    for (String secret : secrets) {
      assertThat(ring.authenticate(secret)).map(Principal::name).contains("svc");
    }

    assertThat(ring.revoke("svc", "admin", "leaked")).isTrue();
    assertThat(revocationsAudited("svc")).containsExactly("admin", "admin");
  }

  private JdbcKeyRing ring() {
    return new JdbcKeyRing(new ApiKeyRepository(db), Clock.systemUTC());
  }

  /** Two active keys named {@code name}, as a version that let names repeat would have issued them; their secrets. */
  private List<String> twoKeysNamed(String name) throws SQLException {
    JdbcKeyRing ring = ring();
    String first = ring.issue(name, Role.SERVICE, Set.of(), "admin", null);
    String second = ring.issue(name + "-b", Role.SERVICE, Set.of(), "admin", null);
    try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement("UPDATE api_key SET name = ? WHERE name = ?")) {
      ps.setString(1, name);
      ps.setString(2, name + "-b");
      assertThat(ps.executeUpdate()).isEqualTo(1);
    }
    return List.of(first, second);
  }

  /** The id of the key a revocation reaches last: keys are taken oldest first. */
  private String lastIssued() throws SQLException {
    try (Connection c = db.connection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT id FROM api_key ORDER BY created_at DESC, id DESC")) {
      rs.next();
      return rs.getString(1);
    }
  }

  /** The actor of each revocation of a key named {@code name} in the audit trail. */
  private List<String> revocationsAudited(String name) throws SQLException {
    try (Connection c = db.connection();
        PreparedStatement ps = c.prepareStatement("SELECT actor FROM audit_log WHERE action = 'key.revoke' AND target = ?")) {
      ps.setString(1, name);
      List<String> actors = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          actors.add(rs.getString(1));
        }
      }
      return actors;
    }
  }
}
