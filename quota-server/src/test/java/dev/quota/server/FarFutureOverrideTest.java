package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quota.Selector;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.Override;
import dev.quota.jdbc.Database;
import dev.quota.jdbc.JdbcConfigRepository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * An earlier version saved an override expiring in the year 999,999,999 (while answering 422).
 * Loading it overflowed epoch milliseconds: every later policy change was saved but never
 * enforced, and a server over that database exited at startup.
 */
class FarFutureOverrideTest {
  @Test
  void aServerOverAStoredFarFutureOverrideStartsAndAppliesEveryLaterChange() throws Exception {
    Path dir = Files.createTempDirectory("quota-far-future");
    Instant now = Instant.now();
    try (Database db = Database.embedded(dir)) {
      new JdbcConfigRepository(db).putOverride(
          new Override("o-poison", Selector.parse("user:poison"), null, true,
              Instant.parse("+999999999-12-31T23:59:59Z"), "r", "admin", now),
          new AuditEntry(0, now, "admin", "override.create", "user:poison #o-poison", null, "bypass", "r"));
    }

    try (TestServer server = TestServer.embeddedIn(dir)) {
      Api admin = server.admin;
      JsonNode listed = admin.get("/v1/overrides").json().get("overrides");
      assertThat(listed).hasSize(1);
      assertThat(listed.get(0).get("expiresAt").asText()).isEqualTo("+999999999-12-31T23:59:59Z");

      Api.Response put = admin.put("/v1/policies/user:*", "{\"rateLimits\":[{\"limit\":1,\"window\":\"PT1H\"}]}");
      assertThat(put.status()).as(put.toString()).isEqualTo(201);
      String alice = "{\"subjects\":{\"user\":\"alice\"}}";
      assertThat(admin.post("/v1/reservations", alice).status()).isEqualTo(201);
      assertThat(admin.post("/v1/reservations", alice).status()).isEqualTo(429);
      // The stored bypass is in force as stored.
      String poison = "{\"subjects\":{\"user\":\"poison\"}}";
      assertThat(admin.post("/v1/reservations", poison).status()).isEqualTo(201);
      assertThat(admin.post("/v1/reservations", poison).status()).isEqualTo(201);

      Api.Response override = admin.post("/v1/overrides", "{\"selector\":\"user:alice\",\"bypass\":true,\"duration\":\"PT1H\",\"reason\":\"r\"}");
      assertThat(override.status()).as(override.toString()).isEqualTo(201);
      assertThat(admin.post("/v1/reservations", alice).status()).isEqualTo(201);

      // Revoked, it no longer applies: what it let through still counted, so nothing more fits.
      assertThat(admin.delete("/v1/overrides/o-poison?reason=cleanup").status()).isEqualTo(204);
      assertThat(admin.post("/v1/reservations", poison).status()).isEqualTo(429);
    }
  }
}
