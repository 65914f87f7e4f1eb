package dev.quota.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quota.server.TestServer;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code quota override}, {@code quota reset} and {@code quota key} against a real server: each
 * change is made on the server and audited with the key's name and the reason given; a refusal,
 * the command's or the server's, names the option typed, exits 2 and changes nothing.
 */
class AdminCommandsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TWO_A_MINUTE = "{\"rateLimits\":[{\"limit\":2,\"window\":\"PT1M\"}]}";
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

  private JsonNode audit(String action) {
    return server.admin.get("/v1/audit?action=" + action).json().get("entries");
  }

  private JsonNode overrides() {
    return server.admin.get("/v1/overrides?includeExpired=true").json().get("overrides");
  }

  @Test
  void anOverrideCreatedListedAndRevokedFromTheCommandLineIsInForceThenGoneAndAudited() throws Exception {
    CliRun created = run("override", "create", "user:alice", "--limits", TWO_A_MINUTE, "--duration", "PT1H", "--reason", "ticket 12");
    assertThat(created.exit()).as(created.err()).isZero();
    JsonNode printed = JSON.readTree(created.out());
    String id = printed.get("id").asText();
    JsonNode stored = overrides();
    assertThat(stored).hasSize(1);
    assertThat(stored.get(0).get("id").asText()).isEqualTo(id);
    assertThat(stored.get(0).get("selector").asText()).isEqualTo("user:alice");
    assertThat(stored.get(0).at("/limits/rateLimits/0/limit").asLong()).isEqualTo(2);
    assertThat(stored.get(0).get("reason").asText()).isEqualTo("ticket 12");
    assertThat(server.admin.get("/v1/usage/user/alice").json().at("/override/id").asText()).isEqualTo(id);
    JsonNode createdEntry = audit("override.create");
    assertThat(createdEntry).hasSize(1);
    assertThat(createdEntry.get(0).get("actor").asText()).isEqualTo("admin");
    assertThat(createdEntry.get(0).get("reason").asText()).isEqualTo("ticket 12");

    CliRun listed = run("override", "list");
    assertThat(listed.exit()).as(listed.err()).isZero();
    assertThat(JSON.readTree(listed.out()).get("overrides")).isEqualTo(server.admin.get("/v1/overrides").json().get("overrides"));

    CliRun revoked = run("override", "revoke", id, "--reason", "fixed");
    assertThat(revoked.exit()).as(revoked.err()).isZero();
    assertThat(revoked.out()).startsWith("revoked " + id);
    assertThat(server.admin.get("/v1/overrides").json().get("overrides")).isEmpty();
    assertThat(server.admin.get("/v1/usage/user/alice").json().has("override")).isFalse();
    JsonNode revokedEntry = audit("override.revoke");
    assertThat(revokedEntry).hasSize(1);
    assertThat(revokedEntry.get(0).get("actor").asText()).isEqualTo("admin");
    assertThat(revokedEntry.get(0).get("reason").asText()).isEqualTo("fixed");

    CliRun again = run("override", "revoke", id);
    assertThat(again.exit()).isEqualTo(1);
    assertThat(again.err()).isEqualTo("revoke: no override " + id + System.lineSeparator());
  }

  @Test
  void aBypassUntilAnInstantIsStoredAsOne() {
    server.close();
    server = TestServer.embedded(Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC));
    CliRun o = run("override", "create", "user:*,tool:image_gen", "--bypass", "--expires-at", "2030-01-02T00:00:00Z",
        "--reason", "launch day");
    assertThat(o.exit()).as(o.err()).isZero();
    JsonNode stored = overrides();
    assertThat(stored).hasSize(1);
    assertThat(stored.get(0).get("bypass").asBoolean()).isTrue();
    assertThat(stored.get(0).get("expiresAt").asText()).isEqualTo("2030-01-02T00:00:00Z");
  }

  @Test
  void anOverrideRefusedNamesTheOptionTypedAndCreatesNothing() {
    String audit = server.admin.get("/v1/audit").body();

    CliRun noReason = run("override", "create", "user:alice", "--bypass", "--duration", "PT1H");
    assertThat(noReason.exit()).isEqualTo(2);
    assertThat(noReason.err()).contains("--reason: is required");

    CliRun past = run("override", "create", "user:alice", "--bypass", "--expires-at", "2000-01-01T00:00:00Z", "--reason", "r");
    assertThat(past.exit()).isEqualTo(2);
    assertThat(past.err()).isEqualTo("create: --expires-at: must be in the future" + System.lineSeparator());

    CliRun tooLong = run("override", "create", "user:alice", "--bypass", "--duration", "P5000D", "--reason", "r");
    assertThat(tooLong.exit()).isEqualTo(2);
    assertThat(tooLong.err()).startsWith("create: --duration: must be between 1 second and 3650 days");

    CliRun badLimit = run("override", "create", "user:alice", "--limits", "{\"rateLimits\":[{\"limit\":-1,\"window\":\"PT1M\"}]}",
        "--duration", "PT1H", "--reason", "r");
    assertThat(badLimit.exit()).isEqualTo(2);
    assertThat(badLimit.err()).startsWith("create: --limits: rateLimits[0].limit: ");

    CliRun notJson = run("override", "create", "user:alice", "--limits", "rateLimits: []", "--duration", "PT1H", "--reason", "r");
    assertThat(notJson.exit()).isEqualTo(2);
    assertThat(notJson.err()).startsWith("create: --limits: must be a policy as a JSON object");

    CliRun both = run("override", "create", "user:alice", "--bypass", "--limits", TWO_A_MINUTE, "--duration", "PT1H", "--reason", "r");
    assertThat(both.exit()).isEqualTo(2);
    assertThat(both.err()).contains("--bypass", "--limits");

    assertThat(overrides()).isEmpty();
    assertThat(server.admin.get("/v1/audit").body()).isEqualTo(audit);
  }

  @Test
  void aResetClearsTheSubjectsCountersAndIsAudited() {
    assertThat(server.admin.put("/v1/policies/user:*", TWO_A_MINUTE).status()).isEqualTo(201);
    String use = "{\"subjects\":{\"user\":\"ann\"}}";
    assertThat(server.admin.post("/v1/usage", use).status()).isEqualTo(200);
    assertThat(server.admin.post("/v1/usage", use).status()).isEqualTo(200);
    assertThat(server.admin.post("/v1/check", use).json().get("admitted").asBoolean()).isFalse();
    assertThat(server.admin.get("/v1/usage/user/ann").json().at("/limits/0/used").asLong()).isEqualTo(2);

    CliRun o = run("reset", "user", "ann", "--reason", "ticket 7");

    assertThat(o.exit()).as(o.err()).isZero();
    assertThat(o.out()).isEqualTo("reset user:ann" + System.lineSeparator());
    assertThat(server.admin.get("/v1/usage/user/ann").json().at("/limits/0/used").asLong()).isZero();
    assertThat(server.admin.post("/v1/check", use).json().get("admitted").asBoolean()).isTrue();
    JsonNode entries = audit("subject.reset");
    assertThat(entries).hasSize(1);
    assertThat(entries.get(0).get("target").asText()).isEqualTo("user:ann");
    assertThat(entries.get(0).get("actor").asText()).isEqualTo("admin");
    assertThat(entries.get(0).get("reason").asText()).isEqualTo("ticket 7");
  }

  @Test
  void aResetRefusedNamesWhatWasTypedAndResetsNothing() {
    String audit = server.admin.get("/v1/audit").body();
    CliRun blank = run("reset", "user", "ann", "--reason", " ");
    assertThat(blank.exit()).isEqualTo(2);
    assertThat(blank.err()).startsWith("reset: --reason: must not be blank");
    CliRun wildcard = run("reset", "user", "*");
    assertThat(wildcard.exit()).isEqualTo(2);
    assertThat(wildcard.err()).startsWith("reset: id: ");
    assertThat(server.admin.get("/v1/audit").body()).isEqualTo(audit);
  }

  @Test
  void aKeyIssuedIsPrintedOnceWorksForItsSubjectsIsListedAndStopsWorkingWhenRevoked() {
    CliRun issued = run("key", "issue", "dash", "--role", "viewer", "--subject", "team:t1", "--subject", "user:ann",
        "--reason", "dashboard");
    assertThat(issued.exit()).as(issued.err()).isZero();
    String key = issued.out().strip();
    assertThat(issued.out().lines()).hasSize(1);
    assertThat(server.admin.as(key).get("/v1/usage/team/t1").status()).isEqualTo(200);
    assertThat(server.admin.as(key).get("/v1/usage/team/t2").status()).isEqualTo(403);
    JsonNode issuedEntry = audit("key.issue");
    assertThat(issuedEntry).hasSize(1);
    assertThat(issuedEntry.get(0).get("target").asText()).isEqualTo("dash");
    assertThat(issuedEntry.get(0).get("actor").asText()).isEqualTo("admin");
    assertThat(issuedEntry.get(0).get("reason").asText()).isEqualTo("dashboard");

    CliRun listed = run("key", "list");
    assertThat(listed.exit()).as(listed.err()).isZero();
    assertThat(listed.out()).contains("\"name\":\"dash\"", "\"subjects\":[\"team:t1\",\"user:ann\"]").doesNotContain(key);

    CliRun revoked = run("key", "revoke", "dash", "--reason", "dashboard retired");
    assertThat(revoked.exit()).as(revoked.err()).isZero();
    assertThat(server.admin.as(key).get("/v1/usage/team/t1").status()).isEqualTo(401);
    JsonNode revokedEntry = audit("key.revoke");
    assertThat(revokedEntry).hasSize(1);
    assertThat(revokedEntry.get(0).get("reason").asText()).isEqualTo("dashboard retired");

    CliRun admin = run("key", "revoke", "admin");
    assertThat(admin.exit()).isEqualTo(1);
    assertThat(admin.err()).startsWith("revoke: name: is the name of the administrator key");
  }

  @Test
  void aKeyRefusedNamesTheOptionTypedAndIssuesNothing() {
    String keys = server.admin.get("/v1/keys").body();
    String audit = server.admin.get("/v1/audit").body();

    CliRun role = run("key", "issue", "svc", "--role", "root");
    assertThat(role.exit()).isEqualTo(2);
    assertThat(role.err()).isEqualTo("issue: --role: must be admin, service or viewer" + System.lineSeparator());
    CliRun viewer = run("key", "issue", "svc", "--role", "viewer");
    assertThat(viewer.exit()).isEqualTo(2);
    assertThat(viewer.err()).startsWith("issue: --subject: ");
    CliRun service = run("key", "issue", "svc", "--role", "service", "--subject", "team:t1");
    assertThat(service.exit()).isEqualTo(2);
    assertThat(service.err()).startsWith("issue: --subject: ");
    CliRun subject = run("key", "issue", "svc", "--role", "viewer", "--subject", "team:*");
    assertThat(subject.exit()).isEqualTo(2);
    assertThat(subject.err()).startsWith("issue: --subject: ");
    // The name is the server's to check: its refusal names the argument.
    CliRun taken = run("key", "issue", "ADMIN", "--role", "service");
    assertThat(taken.exit()).isEqualTo(1);
    assertThat(taken.err()).startsWith("issue: name: must differ, ignoring case, from 'admin'");
    CliRun name = run("key", "issue", "bad name", "--role", "service");
    assertThat(name.exit()).isEqualTo(2);
    assertThat(name.err()).startsWith("issue: name: must be 1-64 letters");

    assertThat(server.admin.get("/v1/keys").body()).isEqualTo(keys);
    assertThat(server.admin.get("/v1/audit").body()).isEqualTo(audit);
  }

  /** A key whose role may not make the change: the server's 403, exit 1 (not a usage error), and nothing changes. */
  @Test
  void aKeyThatMayNotMakeTheChangeFailsWithExitOneAndChangesNothing() {
    CliRun issued = run("key", "issue", "svc", "--role", "service");
    assertThat(issued.exit()).as(issued.err()).isZero();
    String audit = server.admin.get("/v1/audit").body();
    String url = "http://127.0.0.1:" + server.server().port();
    String key = issued.out().strip();

    CliRun override = CliRun.of("override", "create", "user:alice", "--bypass", "--duration", "PT1H", "--reason", "r",
        "--url", url, "--key", key);
    assertThat(override.exit()).isEqualTo(1);
    assertThat(override.err()).startsWith("create: ");
    CliRun reset = CliRun.of("reset", "user", "ann", "--url", url, "--key", key);
    assertThat(reset.exit()).isEqualTo(1);
    CliRun revoke = CliRun.of("key", "revoke", "svc", "--url", url, "--key", key);
    assertThat(revoke.exit()).isEqualTo(1);

    assertThat(overrides()).isEmpty();
    assertThat(server.admin.get("/v1/keys").body()).contains("\"name\":\"svc\"");
    assertThat(server.admin.get("/v1/audit").body()).isEqualTo(audit);
  }
}
