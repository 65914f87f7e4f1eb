package dev.quota.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.server.Api;
import dev.quota.server.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A configuration file's {@code policies:} section is applied by {@code policy apply}, with a diff,
 * not by {@code serve}: serve started on such a file as if the section were not there, and an
 * operator who put policies in it was not told that none was in force.
 */
class ServePoliciesInItsFileTest {
  private static final String POLICIES = """
      policies:
        "user:*":
          rateLimits: [{limit: 60, window: PT1M}]
        "team:*":
          budget: {currency: USD, daily: "10.00"}
      """;

  @TempDir Path dir;

  @Test
  void serveStartsWithoutApplyingThePoliciesAndSaysHowToApplyThemOnItsOutputAndInTheLog() throws Exception {
    Path file = Files.writeString(dir.resolve("quota.yaml"), POLICIES);
    String note = file + " declares 2 policies; serve does not apply them (apply them with: quota policy apply -f " + file + ")";

    try (ServerProcess server = ServerProcess.launch(dir.resolve("data"), Map.of(), "--config", file.toString())) {
      // The output holds standard output and the log (standard error) both.
      assertThat(server.output().lines()).as(server.output())
          .containsOnlyOnce(note)
          .anySatisfy(line -> assertThat(line).contains(" WARN ").endsWith(" - " + note));
      Api.Response policies = server.admin().get("/v1/policies");
      assertThat(policies.status()).isEqualTo(200);
      assertThat(policies.json().get("policies")).as(policies.toString()).isEmpty();
    }
  }

  @Test
  void oneDeclaredPolicyIsNamedInTheSingular() {
    assertThat(ServeCommand.policiesNotApplied(Path.of("quota.yaml"), 1))
        .isEqualTo("quota.yaml declares 1 policy; serve does not apply it (apply it with: quota policy apply -f quota.yaml)");
  }

  /** Policies that are not valid still stop the start, as every other mistake in the file does. */
  @Test
  void anInvalidPolicyStillStopsTheStart() throws Exception {
    Path file = Files.writeString(dir.resolve("quota.yaml"), POLICIES.replace("\"10.00\"", "-5"));

    CliRun o = CliRun.of("serve", "--config", file.toString(), "--port", "0", "--data-dir", dir.resolve("data").toString());

    assertThat(o.exit()).isEqualTo(2);
    assertThat(o.err().lines()).containsExactly(
        "configuration error: " + file + ": line 5: policies.team:*: budget.daily: must not be negative");
    assertThat(o.out()).isEmpty();
    assertThat(dir.resolve("data")).doesNotExist();
  }
}
