package dev.quota.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quota.server.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code quota audit} against a real server: each administrative change, made from the command
 * line or over HTTP, is one entry with its actor and reason, read the same from both.
 */
class AuditCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
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

  private JsonNode audit(String... filters) throws Exception {
    List<String> args = new java.util.ArrayList<>(List.of("audit"));
    args.addAll(List.of(filters));
    CliRun o = run(args.toArray(String[]::new));
    assertThat(o.exit()).as(o.err()).isZero();
    return JSON.readTree(o.out()).get("entries");
  }

  @Test
  void aChangeFromTheCommandLineAndTheSameOverHttpAreEachOneEntryReadTheSameFromBoth() throws Exception {
    Path file = dir.resolve("quota.yaml");
    Files.writeString(file, "policies:\n  \"team:cli\": {rateLimits: [{limit: 5, window: PT1M}]}\n");
    assertThat(run("policy", "apply", "-f", file.toString(), "--reason", "ticket 9").exit()).isZero();
    assertThat(run("policy", "apply", "-f", file.toString(), "--reason", "ticket 9").exit()).isZero();
    assertThat(server.admin.put("/v1/policies/team:http?reason=ticket%209", "{\"rateLimits\":[{\"limit\":5,\"window\":\"PT1M\"}]}")
        .status()).isEqualTo(201);

    JsonNode created = audit("--action", "policy.create");
    assertThat(created).hasSize(2);
    JsonNode fromHttp = created.get(0);
    JsonNode fromCli = created.get(1);
    assertThat(fromCli.get("target").asText()).isEqualTo("team:cli");
    assertThat(fromHttp.get("target").asText()).isEqualTo("team:http");
    for (String field : List.of("actor", "action", "before", "after", "reason")) {
      assertThat(fromCli.get(field)).as(field).isEqualTo(fromHttp.get(field));
    }
    assertThat(fromCli.get("actor").asText()).isEqualTo("admin");
    assertThat(fromCli.get("reason").asText()).isEqualTo("ticket 9");
    assertThat(audit()).hasSize(2);
    assertThat(JSON.readTree(server.admin.get("/v1/audit").body()).get("entries")).isEqualTo(audit());

    assertThat(run("policy", "delete", "team:cli", "--reason", "gone").exit()).isZero();
    JsonNode deleted = audit("--target", "team:cli", "--limit", "1");
    assertThat(deleted).hasSize(1);
    assertThat(deleted.get(0).get("action").asText()).isEqualTo("policy.delete");
    assertThat(deleted.get(0).get("before")).isEqualTo(fromCli.get("after"));
    assertThat(deleted.get(0).get("reason").asText()).isEqualTo("gone");
  }

  @Test
  void aFilterTheServerRefusesIsNamedByItsOption() {
    String before = server.admin.get("/v1/audit").body();
    CliRun o = run("audit", "--action", "policy.bogus");
    assertThat(o.exit()).isEqualTo(2);
    assertThat(o.err()).contains("--action: must be one of policy.create");
    CliRun empty = run("audit", "--target", "");
    assertThat(empty.exit()).isEqualTo(2);
    assertThat(empty.err()).contains("--target: must not be empty");
    assertThat(server.admin.get("/v1/audit").body()).isEqualTo(before);
  }
}
