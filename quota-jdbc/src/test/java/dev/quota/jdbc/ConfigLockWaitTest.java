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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A change that waits for a row another transaction holds gives up after the repository's lock
 * timeout, as busy, having written nothing; on PostgreSQL, which would otherwise wait for ever.
 */
class ConfigLockWaitTest {
  @TempDir Path dir;

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
