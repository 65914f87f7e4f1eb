package dev.quota.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.server.ServerProcess;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server started on an H2 database another process has open says so in one line naming the
 * file: it said the database was "unreachable" at the whole JDBC URL, followed by H2's paragraph
 * ("Database may be already in use ... Possible solutions ... [90020-252]").
 */
class DataDirectoryInUseTest {
  @TempDir Path dir;

  /** Another server, in a JVM of its own, on the same data directory. */
  @Test
  void anotherServerOnTheDataDirectoryIsNamedAsAnotherProcess() throws Exception {
    try (ServerProcess other = ServerProcess.launch(dir, Map.of())) {
      assertInUse(CliRun.of("serve", "--port", "0", "--data-dir", dir.toString()));
    }
  }

  /**
   * A start refused because the data directory is in use writes nothing there: it generated an
   * admin key into the other server's directory (which was given its key otherwise), before it
   * found the directory taken, so a command run there later sent a key no server knew.
   */
  @Test
  void aStartRefusedForADataDirectoryInUseGeneratesNoKeyThere() throws Exception {
    try (ServerProcess other = ServerProcess.launch(dir, Map.of())) {
      CliRun o = CliRun.of("serve", "--port", "0", "--data-dir", dir.toString());
      assertInUse(o);
      assertThat(o.out()).doesNotContain("Generated");
      assertThat(dir.resolve("admin.key")).doesNotExist();
    }
  }

  /**
   * Another process that has only the H2 file open (an operator's SQL shell), with no lock of the
   * ledger spool in the directory: the database's own lock is named the same way.
   */
  @Test
  void anotherProcessHoldingOnlyTheH2FileIsNamedAsSuch() throws Exception {
    // The database made by a server that has stopped, then opened by H2's shell in another JVM.
    try (ServerProcess first = ServerProcess.launch(dir, Map.of())) {
      first.stop();
    }
    // No process holds the ledger spool now; without its file there is no lock of it to find either.
    Files.deleteIfExists(dir.resolve("ledger-spool").resolve("ledger.spool"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Process shell = new ProcessBuilder(List.of(java, "-cp", cp, "org.h2.tools.Shell",
        "-url", "jdbc:h2:file:" + dir.toAbsolutePath().resolve("quota"), "-user", "sa", "-password", ""))
        .redirectErrorStream(true).start();
    try {
      OutputStream in = shell.getOutputStream();
      in.write("SELECT 'held-open' AS state;\n".getBytes(StandardCharsets.UTF_8));
      in.flush();
      BufferedReader out = new BufferedReader(new InputStreamReader(shell.getInputStream(), StandardCharsets.UTF_8));
      for (String line = out.readLine(); line != null && !line.contains("held-open"); line = out.readLine()) {
        // waiting until the shell has the database open
      }
      assertThat(shell.isAlive()).isTrue();
      assertInUse(CliRun.of("serve", "--port", "0", "--data-dir", dir.toString()));
    } finally {
      shell.destroy();
      shell.waitFor(20, TimeUnit.SECONDS);
    }
  }

  private void assertInUse(CliRun o) {
    assertThat(o.exit()).isEqualTo(1);
    assertThat(o.err().lines()).containsExactly("cannot open the backends: the H2 database " + dir.toAbsolutePath().resolve("quota.mv.db")
        + " is in use by another process: stop it, or give this server a data directory of its own");
  }
}
