package dev.quota.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.jdbc.Database;
import dev.quota.server.Polling;
import dev.quota.server.ServerProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl-C while {@code quota serve} opens and migrates its embedded database. H2's own shutdown hook
 * closed the database under Flyway, which failed with stack traces of both, and could leave a
 * migration half done; the start now finishes its step, closes what it opened, says so in one line,
 * and the next start serves from the same data directory.
 */
class StoppedWhileStartingTest {
  /** Bit of SIGINT (2) in the masks of /proc/PID/status. */
  private static final long SIGINT_BIT = 1L << 1;

  @TempDir Path dir;

  @Test
  void ctrlCWhileTheDatabaseMigratesStopsQuietlyAndTheNextStartServes() throws Exception {
    Path dataDir = dir.resolve("data");
    Path out = dir.resolve("out.txt");
    Path err = dir.resolve("err.txt");
    ProcessBuilder pb = ServerProcess.builder(dataDir, Map.of());
    if (ignoresSigint()) {
      // A JVM keeps SIGINT ignored when it starts with it ignored (a build run in the background
      // does); the server started from a terminal does not, so neither does this one.
      List<String> command = new ArrayList<>(List.of("env", "--default-signal=INT"));
      command.addAll(pb.command());
      pb.command(command);
    }
    Process server = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    try {
      // H2 makes its file as the first connection opens; Flyway migrates the empty schema next.
      Path file = dataDir.resolve("quota.mv.db");
      Polling.awaitUntil(Duration.ofSeconds(60), () -> Files.exists(file) || !server.isAlive());
      interrupt(server.pid());
      assertThat(server.waitFor(60, TimeUnit.SECONDS)).as("the server ended after Ctrl-C").isTrue();
    } finally {
      server.destroyForcibly();
    }

    String printed = Files.readString(out, StandardCharsets.UTF_8);
    String logged = Files.readString(err, StandardCharsets.UTF_8);
    assertThat(printed).as("Ctrl-C came while it started").doesNotContain("Quota is listening");
    assertThat(printed).contains(ServeCommand.STOPPED_WHILE_STARTING);
    assertThat(logged).as(logged).doesNotContain("\tat ").doesNotContainIgnoringCase("exception");
    assertThat(migrations(dataDir)).as("the migration under way when Ctrl-C came was finished")
        .isEqualTo(migrations(fullyMigrated()));
    Path trace = dataDir.resolve("quota.trace.db");
    if (Files.exists(trace)) { // where H2 writes the errors of its sessions
      assertThat(Files.readString(trace, StandardCharsets.UTF_8)).doesNotContain("already closed");
    }

    try (ServerProcess again = ServerProcess.launch(dataDir, Map.of())) {
      assertThat(again.admin().post("/v1/usage", "{\"subjects\":{\"user\":\"after\"},\"cost\":\"0.25\"}").status())
          .as(again.output()).isEqualTo(200);
      assertThat(again.admin().get("/v1/policies").status()).isEqualTo(200);
    }
  }

  /** A data directory whose database has every migration, as a start leaves it. */
  private Path fullyMigrated() {
    Path reference = dir.resolve("reference");
    Database.embedded(reference).close();
    return reference;
  }

  /** The migrations applied to the embedded database in {@code dataDir}, in order. */
  private static List<String> migrations(Path dataDir) throws SQLException {
    String url = "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("quota") + ";DATABASE_TO_LOWER=TRUE;IFEXISTS=TRUE";
    List<String> applied = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(url, "sa", "")) {
      try (ResultSet history = c.getMetaData().getTables(null, null, "flyway_schema_history", null)) {
        if (!history.next()) {
          return applied; // not even the first migration began
        }
      }
      try (ResultSet r = c.createStatement().executeQuery(
          "SELECT \"version\" FROM \"flyway_schema_history\" WHERE \"success\" ORDER BY \"installed_rank\"")) {
        while (r.next()) {
          applied.add(r.getString(1));
        }
      }
    }
    return applied;
  }

  /** Whether this JVM, and so a process it starts, ignores SIGINT. */
  private static boolean ignoresSigint() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("SigIgn:")) {
        return (Long.parseUnsignedLong(line.substring("SigIgn:".length()).trim(), 16) & SIGINT_BIT) != 0;
      }
    }
    return false;
  }

  /** Ctrl-C, as a terminal sends it to the process. */
  private static void interrupt(long pid) throws Exception {
    Process kill = new ProcessBuilder("kill", "-INT", Long.toString(pid)).inheritIO().start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0).as("kill -INT " + pid).isTrue();
  }
}
