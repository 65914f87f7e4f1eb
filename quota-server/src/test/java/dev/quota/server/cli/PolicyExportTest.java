package dev.quota.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.server.TestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code quota policy export} against a real server: what it prints is a file {@code policy apply}
 * takes, which keeps every field of every policy, so applying it changes nothing, and applying it
 * where the policies are gone brings them back as they were, exported again byte for byte.
 */
class PolicyExportTest {
  private static final List<String> POLICIES = List.of(
      "user:*", "{\"rateLimits\":[{\"limit\":60,\"window\":\"PT1M\"},{\"meter\":\"tokens\",\"limit\":100000,\"window\":\"PT1H\","
          + "\"algorithm\":\"token_bucket\"}],\"budget\":{\"currency\":\"EUR\",\"daily\":\"10.50\",\"monthly\":\"9007199.254740991\","
          + "\"perRequest\":\"0.000000001\",\"timezone\":\"Europe/Berlin\",\"resetTime\":\"06:30:15\",\"resetDay\":31},"
          + "\"concurrency\":5,\"alertThresholds\":[0.000000001,0.5,0.999999999],\"mode\":\"shadow\",\"failMode\":\"open\"}",
      "tool:image_gen,user:*", "{\"budget\":{\"currency\":\"JPY\",\"monthly\":\"1000\",\"timezone\":\"-03:30\"},\"alertThresholds\":[]}",
      "org:acme", "{\"concurrency\":2147483647,\"mode\":\"enforce\",\"failMode\":\"closed\"}",
      "user:o'hara", "{\"rateLimits\":[{\"limit\":9007199254740991,\"window\":\"P31D\"}]}");

  @TempDir Path dir;
  private TestServer server;

  @BeforeEach
  void start() {
    server = TestServer.embedded();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private CliRun run(String... args) {
    return CliRun.asAdmin(server, args);
  }

  private String listing() {
    return server.admin.get("/v1/policies").body();
  }

  @Test
  void anExportedFileAppliesAsTheSamePoliciesAndExportsAgainByteForByte() throws IOException {
    for (int i = 0; i < POLICIES.size(); i += 2) {
      assertThat(server.admin.put("/v1/policies/" + POLICIES.get(i).replace("'", "%27"), POLICIES.get(i + 1)).status())
          .as(POLICIES.get(i)).isEqualTo(201);
    }
    String before = listing();
    CliRun exported = run("policy", "export");
    assertThat(exported.exit()).as(exported.err()).isZero();
    Path file = dir.resolve("policies.yaml");
    Files.writeString(file, exported.out());
    assertThat(CliRun.of("check-config", file.toString()).exit()).isZero();

    CliRun same = run("policy", "apply", "-f", file.toString(), "--prune");
    assertThat(same.exit()).as(same.err()).isZero();
    assertThat(same.out()).endsWith("0 change(s)\n");

    for (int i = 0; i < POLICIES.size(); i += 2) {
      assertThat(server.admin.delete("/v1/policies/" + POLICIES.get(i).replace("'", "%27")).status()).isEqualTo(204);
    }
    CliRun restored = run("policy", "apply", "-f", file.toString());
    assertThat(restored.exit()).as(restored.err()).isZero();
    assertThat(restored.out()).contains("4 change(s) applied");
    assertThat(listing()).isEqualTo(before);
    assertThat(run("policy", "export").out()).isEqualTo(exported.out());
  }

  @Test
  void noPoliciesExportAsAnEmptySectionThatPruneTakes() {
    CliRun exported = run("policy", "export");
    assertThat(exported.exit()).as(exported.err()).isZero();
    assertThat(exported.out()).isEqualTo("policies: {}\n");
  }
}
