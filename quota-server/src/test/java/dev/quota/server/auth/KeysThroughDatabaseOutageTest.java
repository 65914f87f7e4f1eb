package dev.quota.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.quota.jdbc.ApiKeyRepository;
import dev.quota.jdbc.Database;
import dev.quota.jdbc.DatabaseException;
import dev.quota.server.OutagePostgres;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Service calls go on through a database outage (their spend waits in the ledger's spool), so the
 * keys they present must too: a key the database vouched for before the outage stays valid until
 * the database answers again. The test takes away a PostgreSQL database of its own.
 */
class KeysThroughDatabaseOutageTest {
  private final AtomicLong ticks = new AtomicLong();
  private OutagePostgres database;
  private Database db;
  private JdbcKeyRing keys;

  @BeforeEach
  void createDatabase() throws SQLException {
    database = OutagePostgres.create("qs_keys_");
    db = Database.open(database.url(), "postgres", null);
    keys = new JdbcKeyRing(new ApiKeyRepository(db), Clock.systemUTC(), ticks::get);
  }

  @AfterEach
  void dropDatabase() throws SQLException {
    try {
      db.close();
    } finally {
      database.close();
    }
  }

  @Test
  void aKeyCheckedBeforeAnOutageStaysValidThroughItAndARevocationAfterwardsEndsIt() throws SQLException {
    String known = keys.issue("svc", Role.SERVICE, Set.of(), "admin", null);
    String unseen = keys.issue("other", Role.SERVICE, Set.of(), "admin", null);
    assertThat(keys.authenticate(known)).map(Principal::name).contains("svc");

    database.takeAway();
    ticks.addAndGet(JdbcKeyRing.CACHE_NANOS); // its cached verdict has run out: the database is asked

    assertThat(keys.authenticate(known)).map(Principal::name).contains("svc");
    DatabaseException refused = catchThrowableOfType(() -> keys.authenticate(unseen), DatabaseException.class);
    assertThat(refused.isUnreachable()).isTrue();

    database.giveBack();
    awaitRevoked("svc");
    assertThat(keys.authenticate(known)).isEmpty();
    assertThat(keys.authenticate(unseen)).map(Principal::name).contains("other");
  }

  /** The pool reconnects with a backoff of up to seconds; each refused attempt waits out its timeout. */
  private void awaitRevoked(String name) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        assertThat(keys.revoke(name, "admin", null)).isTrue();
        return;
      } catch (DatabaseException stillAway) {
        if (System.nanoTime() > deadline) {
          throw stillAway;
        }
      }
    }
  }

}
