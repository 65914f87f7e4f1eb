package dev.quota.server.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.jdbc.JdbcAlertHistory.Claimant;
import dev.quota.server.OutagePostgres;
import dev.quota.server.TestServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each start on a data directory claims alerts under an id of its own, and knows the id of the
 * server that ran there before it.
 */
class ClaimantFileTest {
  @TempDir Path dir;

  @Test
  void eachStartTakesANewIdAndLearnsThePreviousOne() throws Exception {
    Claimant first = ClaimantFile.next(dir);
    assertThat(first.predecessor()).isNull();
    Claimant second = ClaimantFile.next(dir);
    Claimant third = ClaimantFile.next(dir);
    assertThat(second.predecessor()).isEqualTo(first.id());
    assertThat(third.predecessor()).isEqualTo(second.id());
    assertThat(Set.of(first.id(), second.id(), third.id())).hasSize(3);
    assertThat(Files.readString(dir.resolve(ClaimantFile.NAME)).strip()).isEqualTo(third.id());
  }

  @Test
  void serversOnOtherDirectoriesOrOnCopiesOfOneNeverShareAnId() throws Exception {
    Path a = Files.createDirectories(dir.resolve("a"));
    Path b = Files.createDirectories(dir.resolve("b"));
    Claimant onA = ClaimantFile.next(a);
    Files.copy(a.resolve(ClaimantFile.NAME), b.resolve(ClaimantFile.NAME));
    Set<String> ids = new HashSet<>();
    ids.add(onA.id());
    ids.add(ClaimantFile.next(a).id());
    ids.add(ClaimantFile.next(b).id());
    ids.add(ClaimantFile.next(Files.createDirectories(dir.resolve("c"))).id());
    assertThat(ids).hasSize(4);
  }

  @Test
  void aFileHoldingNoIdNamesNoPredecessor() throws Exception {
    for (String text : List.of("", "0123456789abcdef", "not an id\n", "\u0000\u0000\u0000")) {
      Files.writeString(dir.resolve(ClaimantFile.NAME), text, StandardCharsets.UTF_8);
      Claimant c = ClaimantFile.next(dir);
      assertThat(c.predecessor()).as(text).isNull();
      assertThat(ClaimantFile.next(dir).predecessor()).isEqualTo(c.id());
    }
  }

  /**
   * What the id's predecessor rests on: a data directory is one server's at a time, so the server
   * that ran there before is not running.
   */
  @Test
  void aSecondServerCannotStartOnADataDirectoryInUse() throws Exception {
    // On PostgreSQL, so that no embedded database's own lock stands in for the data directory's.
    try (OutagePostgres database = OutagePostgres.create("qs_claimant_");
        TestServer running = TestServer.start(null, null, database.urlWithUser(), Clock.systemUTC(), List.of())) {
      String id = Files.readString(running.dataDir().resolve(ClaimantFile.NAME)).strip();
      assertThatThrownBy(() -> TestServer.startIn(running.dataDir(), database.urlWithUser(), List.of(), Backoff.DEFAULT))
          .hasStackTraceContaining("in use by another process");
      assertThat(Files.readString(running.dataDir().resolve(ClaimantFile.NAME)).strip())
          .as("the running server's id stays the one to take over after it").isEqualTo(id);
    }
  }
}
