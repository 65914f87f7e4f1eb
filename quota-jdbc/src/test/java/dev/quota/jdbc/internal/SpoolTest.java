package dev.quota.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.Money;
import dev.quota.ledger.UsageEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolTest {
  @TempDir Path dir;

  static UsageEntry entry(String id) {
    return new UsageEntry(
        id, Instant.parse("2025-03-10T12:00:00.123456Z"), Map.of("user", "a:b", "region", "eu \"west\""),
        Money.of("0.000000007"), Map.of("tokens", 12L), "r-" + id, null, Money.of("0.5"));
  }

  static List<UsageEntry> read(Spool spool) throws IOException {
    return spool.lines().stream().map(LedgerRows::fromSpoolLine).toList();
  }

  @Test
  void entriesRoundTripExactly() throws IOException {
    try (Spool spool = new Spool(dir)) {
      spool.append(List.of(entry("a"), entry("b")));
      assertThat(spool.size()).isEqualTo(2);
      assertThat(read(spool)).containsExactly(entry("a"), entry("b"));
      spool.clear();
      assertThat(read(spool)).isEmpty();
    }
  }

  @Test
  void aTornLastLineFromACrashIsCutOffAndLaterAppendsStayReadable() throws IOException {
    try (Spool spool = new Spool(dir)) {
      spool.append(List.of(entry("a")));
    }
    // The crash hit mid-write: half a line, no newline. It was never acknowledged.
    Files.writeString(dir.resolve("ledger.spool"), "{\"id\":\"torn", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    try (Spool spool = new Spool(dir)) {
      assertThat(spool.size()).isEqualTo(1);
      spool.append(List.of(entry("b")));
      assertThat(read(spool)).containsExactly(entry("a"), entry("b"));
    }
  }

  static UsageEntry keyed(String id, String idempotencyKey) {
    return new UsageEntry(
        id, Instant.parse("2025-03-10T12:00:00Z"), Map.of("user", "alice"), Money.of("1"), Map.of(), null,
        idempotencyKey, Money.ZERO);
  }

  @Test
  void anEntryRepeatingOneWaitingIsNotWrittenAgainEvenAfterTheSpoolIsReopened() throws IOException {
    try (Spool spool = new Spool(dir)) {
      // A retry replayed during an outage comes back with a new row id but the same key.
      spool.append(List.of(keyed("first", "k1"), keyed("retry-in-same-batch", "k1")));
      spool.append(List.of(keyed("retry", "k1"), entry("a")));
      spool.append(List.of(entry("a"))); // the same reservation committed again
      assertThat(spool.size()).isEqualTo(2);
      assertThat(read(spool)).containsExactly(keyed("first", "k1"), entry("a"));
    }
    try (Spool spool = new Spool(dir)) {
      spool.append(List.of(keyed("after-restart", "k1")));
      assertThat(spool.size()).isEqualTo(2);
      spool.clear();
      // Once replayed, the ledger itself refuses repeats; the spool takes the key again.
      spool.append(List.of(keyed("after-replay", "k1")));
      assertThat(read(spool)).containsExactly(keyed("after-replay", "k1"));
    }
  }

  @Test
  void onlyOneProcessMayHoldTheSpool() throws IOException {
    try (Spool spool = new Spool(dir)) {
      assertThat(spool.size()).isZero();
      // A second channel in this JVM sees the lock as overlapping.
      assertThatThrownBy(() -> new Spool(dir)).isInstanceOf(IOException.class).hasMessageContaining("in use");
    }
  }
}
