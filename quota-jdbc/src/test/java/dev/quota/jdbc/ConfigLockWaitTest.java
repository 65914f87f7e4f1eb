package dev.quota.jdbc;

import static dev.quota.jdbc.JdbcConfigRepositoryTest.audit;
import static dev.quota.jdbc.JdbcConfigRepositoryTest.limit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.Selector;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A change that waits for a row another transaction holds gives up after the repository's lock
 * timeout, as busy, having written nothing; on PostgreSQL, which would otherwise wait for ever. So
 * does one that other writers keep outpacing.
 */
class ConfigLockWaitTest {
  @TempDir Path dir;

  /**
   * Each time a write of the policy claims its next version, a trigger has another "writer" take
   * that version first, as a stream of faster writers would: the write gives up as busy after a
   * bounded number of tries, rather than read and claim again for ever, and keeps nothing.
   */
  @Test
  void aPolicyWriteThatOtherWritersKeepOutpacingGivesUpAsBusy() {
    try (var t = Backend.POSTGRES.open(dir)) {
      var repo = new JdbcConfigRepository(t.db);
      repo.putPolicy(limit("team:raced", 5), replaced -> audit("policy.create", "team:raced", "first"));
      t.execute("CREATE FUNCTION " + t.schema + ".outpace() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
          + " IF pg_trigger_depth() = 1 THEN"
          + "   INSERT INTO policy_version (selector, version, body, changed_at, actor)"
          + "   VALUES (NEW.selector, NEW.version, NEW.body, NEW.changed_at, 'faster');"
          + "   RETURN NULL;"
          + " END IF;"
          + " RETURN NEW; END $$");
      t.execute("CREATE TRIGGER outpace BEFORE INSERT ON policy_version FOR EACH ROW EXECUTE FUNCTION " + t.schema + ".outpace()");

      assertThatThrownBy(() -> guarded(() -> repo.putPolicy(limit("team:raced", 50), r -> audit("policy.update", "team:raced", "raced"))))
          .isInstanceOfSatisfying(DatabaseException.class, e -> assertThat(e.isBusy()).as(e.getMessage()).isTrue())
          .hasMessageContaining("team:raced");
      assertThatThrownBy(() -> guarded(() -> repo.deletePolicy(Selector.parse("team:raced"), p -> audit("policy.delete", "team:raced", "raced"))))
          .isInstanceOfSatisfying(DatabaseException.class, e -> assertThat(e.isBusy()).as(e.getMessage()).isTrue());

      t.execute("DROP TRIGGER outpace ON policy_version");
      assertThat(repo.policy(Selector.parse("team:raced"))).isEqualTo(Optional.of(limit("team:raced", 5)));
      assertThat(t.queryLong("SELECT count(*) FROM policy_version WHERE selector = 'team:raced'")).isOne();
      assertThat(t.queryLong("SELECT count(*) FROM audit_log WHERE target = 'team:raced'")).isOne();
    }
  }

  /** Runs {@code write} and returns what it throws; a write that would retry for ever fails the test instead. */
  private static void guarded(Callable<?> write) throws Exception {
    ExecutorService writer = Executors.newSingleThreadExecutor();
    try {
      writer.submit(write).get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    } finally {
      writer.shutdownNow();
    }
  }

  @Test
  void aPolicyWriteBlockedByAnOpenTransactionGivesUpAsBusyOnPostgres() throws Exception {
    try (var t = Backend.POSTGRES.open(dir)) {
      var repo = new JdbcConfigRepository(t.db, Duration.ofMillis(300));
      repo.putPolicy(limit("team:held", 5), replaced -> audit("policy.create", "team:held", "first"));
      try (Connection other = t.db.connection()) {
        other.setAutoCommit(false);
        try (Statement s = other.createStatement()) {
          s.executeUpdate("UPDATE policy SET updated_at = updated_at WHERE selector = 'team:held'");
        }
        ExecutorService writer = Executors.newSingleThreadExecutor();
        Future<?> blocked =
            writer.submit(() -> repo.putPolicy(limit("team:held", 50), replaced -> audit("policy.update", "team:held", "second")));
        // Without a bound the write would wait for the other session for ever: this wait is the test's guard.
        assertThatThrownBy(() -> blocked.get(30, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class)
            .cause()
            .isInstanceOfSatisfying(DatabaseException.class, e -> assertThat(e.isBusy()).as(e.getMessage()).isTrue());
        writer.shutdown();
        other.rollback();
      }
      assertThat(repo.policy(Selector.parse("team:held"))).isEqualTo(Optional.of(limit("team:held", 5)));
      assertThat(t.queryLong("SELECT count(*) FROM policy_version WHERE selector = 'team:held'")).isOne();
      assertThat(t.queryLong("SELECT count(*) FROM audit_log WHERE target = 'team:held'")).isOne();
      repo.putPolicy(limit("team:held", 50), replaced -> audit("policy.update", "team:held", "again"));
      assertThat(repo.policy(Selector.parse("team:held"))).isEqualTo(Optional.of(limit("team:held", 50)));
    }
  }
}
