package dev.quota.jdbc;

import static dev.quota.jdbc.Entries.forUser;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Money;
import dev.quota.MoneyTotal;
import dev.quota.jdbc.internal.LedgerRows;
import dev.quota.ledger.UsageEntry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A spool holding lines the ledger cannot replay: they are set aside, never retried forever, and a
 * writer that fails for a reason other than the database keeps serving its callers.
 */
class SpoolRecoveryTest {
  static final Instant T0 = Instant.parse("2025-03-10T12:00:00Z");
  static final Instant FAR = Instant.parse("2100-01-01T00:00:00Z");
  /** A line that is not JSON at all, as a disk error or a hand edit could leave it. */
  static final String GARBAGE = "{\"id\":\"g1\",not json}";
  @TempDir Path dir;

  Path spoolDir() {
    return dir.resolve("spool");
  }

  void writeSpool(String... lines) throws Exception {
    Files.createDirectories(spoolDir());
    Files.writeString(spoolDir().resolve("ledger.spool"), String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void unreadableAndInvalidSpooledLinesAreSetAsideAndTheRestIsReplayed(Backend backend) throws Exception {
    // The year 10000 was spooled by a version that did not check it; the table cannot hold it.
    String outOfRange = LedgerRows.toSpoolLine(forUser("far", Instant.parse("+10000-01-01T00:00:00Z"), "alice", "5"));
    writeSpool(
        LedgerRows.toSpoolLine(forUser("ok1", T0, "alice", "1")),
        GARBAGE,
        outOfRange,
        LedgerRows.toSpoolLine(forUser("ok2", T0, "alice", "2")));
    try (var t = backend.open(dir);
        var ledger = JdbcUsageLedger.builder(t.db).spoolDirectory(spoolDir()).build()) {
      ledger.replaySpool(); // queued behind the replay the ledger starts with
      assertThat(ledger.spooledEntries()).isZero();
      assertThat(t.queryLong("SELECT COUNT(*) FROM usage_entry")).isEqualTo(2);
      assertThat(ledger.spent(Map.of("user", "alice"), T0, FAR)).isEqualTo(MoneyTotal.of("3"));
      assertThat(Files.readAllLines(spoolDir().resolve("ledger.rejected"))).containsExactly(GARBAGE, outOfRange);
    }
  }

  /**
   * A commit spooled while the database was away keeps when its reservation was made, which the
   * rebuilt budget counts it from; a commit spooled by a version that did not keep that time
   * replays too, counted from its commit as before.
   */
  @ParameterizedTest
  @EnumSource(Backend.class)
  void spooledCommitsReplayWithTheirReservationTimeAndOlderLinesWithoutOne(Backend backend) throws Exception {
    Instant reset = T0.plusSeconds(60);
    Map<String, String> alice = Map.of("user", "alice");
    UsageEntry openAcross = new UsageEntry(
        "c1", reset.plusSeconds(30), alice, Money.of("4"), Map.of(), "r-1", null, Money.ZERO, reset.minusSeconds(30));
    String older = "{\"id\":\"c2\",\"at\":\"" + reset.plusSeconds(40) + "\",\"subjects\":{\"user\":\"alice\"},"
        + "\"amount\":\"2\",\"meters\":{},\"reservationId\":\"r-2\",\"idempotencyKey\":null,\"overrun\":\"0\"}";
    writeSpool(LedgerRows.toSpoolLine(openAcross), older);
    try (var t = backend.open(dir);
        var ledger = JdbcUsageLedger.builder(t.db).spoolDirectory(spoolDir()).build()) {
      ledger.replaySpool();

      assertThat(ledger.spooledEntries()).isZero();
      assertThat(Files.exists(spoolDir().resolve("ledger.rejected"))).isFalse();
      assertThat(ledger.spent(alice, reset, FAR)).isEqualTo(MoneyTotal.of("2"));
      assertThat(ledger.spent(alice, T0, reset)).isEqualTo(MoneyTotal.of("4"));
      assertThat(ledger.entries(alice, T0, FAR)).extracting(UsageEntry::reservedAt)
          .containsExactly(reset.minusSeconds(30), null);
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aWriterThatCannotSetALineAsideSpoolsItsCallersAndRecoversOnceItCan(Backend backend) throws Exception {
    writeSpool(GARBAGE);
    // A directory where the file of set-aside lines belongs: every replay fails, outside the database.
    Path rejected = Files.createDirectories(spoolDir().resolve("ledger.rejected"));
    try (var t = backend.open(dir);
        var ledger =
            JdbcUsageLedger.builder(t.db).spoolDirectory(spoolDir()).probeInterval(Duration.ofMillis(20)).build()) {
      for (int i = 0; i < 3; i++) {
        String id = "during" + i;
        // Bounded, so a dead writer fails the test instead of hanging it.
        CompletableFuture.runAsync(() -> ledger.append(forUser(id, T0, "alice", "1"))).get(30, TimeUnit.SECONDS);
      }
      assertThat(ledger.spooledEntries()).isEqualTo(4);
      assertThat(t.queryLong("SELECT COUNT(*) FROM usage_entry")).isZero();

      Files.delete(rejected);
      ledger.replaySpool();
      assertThat(ledger.spooledEntries()).isZero();
      assertThat(ledger.spent(Map.of("user", "alice"), T0, FAR)).isEqualTo(MoneyTotal.of("3"));
      assertThat(Files.readAllLines(rejected)).isEqualTo(List.of(GARBAGE));
      ledger.append(forUser("after", T0, "alice", "1"));
      assertThat(t.queryLong("SELECT COUNT(*) FROM usage_entry")).isEqualTo(4);
    }
  }
}
