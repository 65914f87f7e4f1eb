package dev.quota.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Policy;
import dev.quota.Selector;
import dev.quota.admin.AuditEntry;
import dev.quota.jdbc.Database;
import dev.quota.jdbc.JdbcConfigRepository;
import dev.quota.server.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The policy commands and a server holding a policy an earlier version stored under a selector
 * padded with whitespace ({@code user:"alice "}): apply still reads the server's listing, get and
 * delete reach the stored policy, and a file that declares such a selector is refused.
 */
class PaddedSelectorCommandsTest {
  @TempDir Path files;
  private TestServer server;

  @BeforeEach
  void start() throws Exception {
    Path dir = Files.createTempDirectory("quota-padded-cli");
    Instant now = Instant.now();
    try (Database db = Database.embedded(dir)) {
      new JdbcConfigRepository(db).putPolicy(
          Policy.builder(Selector.parseStored("user:alice ")).rateLimit(1, Duration.ofHours(1)).build(),
          before -> new AuditEntry(0, now, "admin", "policy.create", "user:alice ", null, "1/h", ""));
    }
    server = TestServer.embeddedIn(dir);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private CliRun run(String... args) {
    String[] all = new String[args.length + 4];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--url";
    all[args.length + 1] = "http://127.0.0.1:" + server.server().port();
    all[args.length + 2] = "--key";
    all[args.length + 3] = TestServer.ADMIN_KEY;
    return CliRun.of(all);
  }

  private Path file(String yaml) throws Exception {
    Path f = files.resolve("quota.yaml");
    Files.writeString(f, yaml);
    return f;
  }

  @Test
  void applyReadsAListingThatHoldsAPaddedSelectorAndCreatesTheOneMeant() throws Exception {
    CliRun applied = run("policy", "apply", "-f",
        file("policies:\n  \"user:alice\":\n    rateLimits: [{limit: 5, window: PT1M}]\n").toString());
    assertThat(applied.exit()).as(applied.toString()).isZero();
    assertThat(applied.out()).contains("+ user:alice ").contains("1 change(s) applied");
    assertThat(server.admin.get("/v1/policies").json().get("policies")).extracting(p -> p.get("selector").asText())
        .containsExactlyInAnyOrder("user:alice", "user:alice ");
  }

  @Test
  void getAndDeleteReachAPolicyStoredUnderAPaddedSelector() {
    CliRun shown = run("policy", "get", "user:alice ");
    assertThat(shown.exit()).as(shown.toString()).isZero();
    assertThat(shown.out()).contains("\"selector\"").contains("user:alice ");

    CliRun deleted = run("policy", "delete", "user:alice ", "--reason", "replaced by user:alice");
    assertThat(deleted.exit()).as(deleted.toString()).isZero();
    assertThat(server.admin.get("/v1/policies").json().get("policies")).isEmpty();
  }

  @Test
  void aFileDeclaringAPaddedSelectorIsRefusedAndChangesNothing() throws Exception {
    CliRun refused = run("policy", "apply", "-f",
        file("policies:\n  \"user:bob \":\n    rateLimits: [{limit: 5, window: PT1M}]\n").toString());
    assertThat(refused.exit()).as(refused.toString()).isEqualTo(2);
    assertThat(refused.err()).contains("policies.user:bob : selector.id: must not begin or end with whitespace");
    assertThat(server.admin.get("/v1/policies").json().get("policies")).extracting(p -> p.get("selector").asText())
        .containsExactly("user:alice ");
  }
}
