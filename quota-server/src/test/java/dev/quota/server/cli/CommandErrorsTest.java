package dev.quota.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A command that fails says why in one line and exits non-zero: never a stack trace. */
class CommandErrorsTest {
  @TempDir Path dir;

  private record Outcome(int exit, String err) {}

  private static Outcome run(String... args) {
    PrintStream before = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      int exit = Main.run(args);
      return new Outcome(exit, err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(before);
    }
  }

  private static void assertNoTrace(Outcome o) {
    assertThat(o.err()).doesNotContain("\tat ").doesNotContain("Exception");
  }

  @Test
  void aServerThatCannotBeReachedIsNamedWithTheReason() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    Outcome o = run("policy", "list", "--url", "http://127.0.0.1:" + closed, "--key", "k".repeat(20));
    assertThat(o.exit()).isEqualTo(1);
    assertThat(o.err()).contains("cannot reach http://127.0.0.1:" + closed + ": connection refused");
    assertNoTrace(o);
  }

  @Test
  void aUrlThatIsNotHttpIsRefusedByName() {
    for (String url : new String[] {"ftp://x", "not a url"}) {
      Outcome o = run("policy", "list", "--url", url, "--key", "k".repeat(20));
      assertThat(o.exit()).isEqualTo(1);
      assertThat(o.err()).contains("--url: must be an http or https URL, got '" + url + "'");
      assertNoTrace(o);
    }
  }

  @Test
  void checkConfigListsEveryProblemOnALineOfItsOwn() throws Exception {
    Path file = dir.resolve("quota.yaml");
    java.nio.file.Files.writeString(file, "prot: 80\npolicies:\n  \"team:*\":\n    budget: {currency: USD, daily: 1e3}\n");
    Outcome o = run("check-config", file.toString());
    assertThat(o.exit()).isEqualTo(2);
    assertThat(o.err().lines()).containsExactly(
        file + ": line 4: policies.team:*.budget.daily: write numbers as plain decimals such as 16 or 10.50, or quote them (got 1e3)",
        file + ": line 1: prot: is not a known setting (known: dataDir, database, host, policies, port, redis, redisPrefix, "
            + "webhookAttempts, webhookBackoff, webhooks)");
    assertNoTrace(o);
  }

  @Test
  void aPortOutOfRangeIsAConfigurationError() {
    Outcome o = run("serve", "--port", "99999", "--data-dir", dir.toString());
    assertThat(o.exit()).isEqualTo(2);
    assertThat(o.err()).contains("--port: must be a whole number between 0 and 65535");
  }

  @Test
  void aPortInUseIsNamedAsSuch() throws Exception {
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Outcome o = run("serve", "--port", Integer.toString(busy.getLocalPort()), "--data-dir", dir.toString());
      assertThat(o.exit()).isEqualTo(1);
      assertThat(o.err()).contains("cannot listen on 127.0.0.1:" + busy.getLocalPort() + ": the address is in use");
      assertNoTrace(o);
    }
  }
}
