package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quota.Money;
import dev.quota.Policy;
import dev.quota.Selector;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.Override;
import dev.quota.jdbc.Database;
import dev.quota.jdbc.JdbcConfigRepository;
import dev.quota.jdbc.JdbcUsageLedger;
import dev.quota.ledger.UsageEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An earlier version took identifiers with whitespace at an end ({@code user:"alice "}), refused
 * now. A server over a database it wrote starts, loads and lists what it stored (a policy, an
 * override, ledger rows) and reports that spend; the padded policy can be read and deleted by the
 * selector it was stored under and replaced by the one meant, but not written again. On H2 and on
 * PostgreSQL.
 */
class StoredPaddedIdentifiersTest {
  @Test
  void aServerOverH2StartsWithWhatAnEarlierVersionStored() throws Exception {
    Path dir = Files.createTempDirectory("quota-padded");
    try (Database db = Database.embedded(dir)) {
      storeAsAnEarlierVersionDid(db, dir);
    }
    try (TestServer server = TestServer.embeddedIn(dir)) {
      loadsAndCleansUp(server.admin);
    }
  }

  @Test
  void aServerOverPostgresStartsWithWhatAnEarlierVersionStored(@TempDir Path dir) {
    PostgresSchema schema = new PostgresSchema();
    try {
      try (Database db = Database.open(schema.url())) {
        storeAsAnEarlierVersionDid(db, dir);
      }
      try (TestServer server = TestServer.start(null, null, schema.url())) {
        loadsAndCleansUp(server.admin);
      }
    } finally {
      schema.drop();
    }
  }

  /** What an earlier version's admin and engine wrote: its repository and ledger took the padding as it came. */
  private static void storeAsAnEarlierVersionDid(Database db, Path dir) {
    Instant now = Instant.now();
    JdbcConfigRepository config = new JdbcConfigRepository(db);
    config.putPolicy(Policy.builder(Selector.parseStored("user:alice ")).rateLimit(1, Duration.ofHours(1)).build(),
        before -> new AuditEntry(0, now, "admin", "policy.create", "user:alice ", null, "1/h", ""));
    config.putOverride(
        new Override("o-padded", Selector.parseStored("team:search "), null, true, now.plus(Duration.ofDays(1)), "launch", "admin", now),
        new AuditEntry(0, now, "admin", "override.create", "team:search  #o-padded", null, "bypass", "launch"));
    try (JdbcUsageLedger ledger = JdbcUsageLedger.builder(db).spoolDirectory(dir.resolve("earlier-spool")).build()) {
      ledger.append(new UsageEntry("row-padded", now, Map.of("user", "alice ", "team", "search"), Money.of("0.40"),
          Map.of("requests", 1L), "res-padded", null, Money.ZERO));
    }
  }

  private static void loadsAndCleansUp(Api admin) {
    JsonNode policies = admin.get("/v1/policies").json().get("policies");
    assertThat(policies).extracting(p -> p.get("selector").asText()).contains("user:alice ");
    JsonNode overrides = admin.get("/v1/overrides").json().get("overrides");
    assertThat(overrides).singleElement().satisfies(o -> assertThat(o.get("selector").asText()).isEqualTo("team:search "));
    Api.Response spend = admin.get("/v1/reports/costs?groupBy=subject&scope=user");
    assertThat(spend.json().get("rows")).singleElement().satisfies(row -> {
      assertThat(row.get("group").asText()).isEqualTo("user:alice ");
      assertThat(row.get("cost").asText()).isEqualTo("0.40");
    });

    Api.Response read = admin.get("/v1/policies/user:alice%20");
    assertThat(read.status()).as(read.toString()).isEqualTo(200);
    Api.Response again = admin.put("/v1/policies/user:alice%20", "{\"rateLimits\":[{\"limit\":2,\"window\":\"PT1H\"}]}");
    assertThat(again.status()).as(again.toString()).isEqualTo(400);
    assertThat(again.json().get("field").asText()).isEqualTo("selector.id");

    Api.Response deleted = admin.delete("/v1/policies/user:alice%20?reason=replaced%20by%20user:alice");
    assertThat(deleted.status()).as(deleted.toString()).isEqualTo(204);
    Api.Response meant = admin.put("/v1/policies/user:alice", "{\"rateLimits\":[{\"limit\":1,\"window\":\"PT1H\"}]}");
    assertThat(meant.status()).as(meant.toString()).isEqualTo(201);
    assertThat(admin.get("/v1/policies").json().get("policies")).extracting(p -> p.get("selector").asText())
        .containsExactly("user:alice");
    String alice = "{\"subjects\":{\"user\":\"alice\"}}";
    assertThat(admin.post("/v1/reservations", alice).status()).isEqualTo(201);
    assertThat(admin.post("/v1/reservations", alice).status()).isEqualTo(429);
    assertThat(admin.delete("/v1/overrides/o-padded?reason=cleanup").status()).isEqualTo(204);
  }
}
