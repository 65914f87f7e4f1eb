package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.server.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared pool's sessions on PostgreSQL run each statement as long as
 * {@code databaseStatementTimeout} says, and wait for a lock no longer than 2 s whatever it says:
 * the server bounded them at 60 s whatever the configuration.
 */
class DatabaseStatementTimeoutSettingTest {
  @TempDir Path dir;
  private final PostgresSchema schema = new PostgresSchema();

  @AfterEach
  void drop() {
    schema.drop();
  }

  @Test
  void theSharedPoolsSessionsCarryTheConfiguredStatementBound() throws Exception {
    Path file = dir.resolve("quota.yaml");
    Files.writeString(file, "databaseStatementTimeout: PT7M\n");
    var cfg = ConfigLoader.load(new ConfigLoader.Flags(file, 0, dir.resolve("data"), null, schema.url(), null),
        Map.of("QUOTA_ADMIN_KEY", TestServer.ADMIN_KEY));
    Backends backends = Backends.open(cfg, Clock.systemUTC());
    try (Connection c = backends.database().connection()) {
      assertThat(show(c, "statement_timeout")).isEqualTo("7min");
      assertThat(show(c, "lock_timeout")).isEqualTo("2s");
    } finally {
      backends.closeUnstarted();
    }
  }

  private static String show(Connection c, String setting) throws Exception {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW " + setting)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
