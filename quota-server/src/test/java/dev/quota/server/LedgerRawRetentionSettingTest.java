package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.jdbc.PruneResult;
import dev.quota.server.config.ConfigLoader;
import dev.quota.store.conformance.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ledger the server opens keeps raw rows as long as {@code ledgerRawRetention} says: the
 * server built it with the ledger's default whatever the configuration. Time is a test clock that
 * the server and the ledger both follow.
 */
class LedgerRawRetentionSettingTest {
  @TempDir Path dir;

  @Test
  void theLedgerKeepsRawRowsForTheConfiguredRetention() throws Exception {
    Path file = dir.resolve("quota.yaml");
    Files.writeString(file, "ledgerRawRetention: P60D\n");
    var cfg = ConfigLoader.load(new ConfigLoader.Flags(file, 0, Files.createDirectory(dir.resolve("data")), null, null, null),
        Map.of("QUOTA_ADMIN_KEY", TestServer.ADMIN_KEY));
    MutableClock clock = new MutableClock(Instant.parse("2030-01-10T12:00:00Z"));
    try (TestServer server = TestServer.start(cfg, clock)) {
      Api.Response spent = server.admin.post("/v1/usage", "{\"subjects\":{\"user\":\"ann\"},\"cost\":\"1.50\"}");
      assertThat(spent.status()).as(spent.toString()).isEqualTo(200);
      clock.advance(Duration.ofDays(45)); // past the default 32 days, within the configured 60

      PruneResult pruned = server.server().pruneLedger().orElseThrow();

      // 60 days before 2030-02-24T12:00Z is 2029-12-26T12:00Z: only whole days before 2029-12-26 go.
      assertThat(pruned.rolledUpBefore()).isEqualTo(LocalDate.parse("2029-12-26"));
      assertThat(pruned.rawRowsDeleted()).isZero();
      clock.advance(Duration.ofDays(16)); // 61 days after the spend
      assertThat(server.server().pruneLedger().orElseThrow().rawRowsDeleted()).isEqualTo(1);
    }
  }
}
