package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quota.Subject;
import dev.quota.TickingClock;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.AuditQuery;
import dev.quota.jdbc.ApiKeyRepository;
import dev.quota.jdbc.Database;
import dev.quota.jdbc.JdbcConfigRepository;
import dev.quota.server.auth.JdbcKeyRing;
import dev.quota.server.auth.Role;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An admin action over HTTP reads the clock once: an override given a duration lasts exactly that
 * long from its createdAt (told in the store's time, by which overrides end), and an issued or revoked key is dated as its audit entry is.
 */
class AdminActionDatedOnceOverHttpTest {
  private static final Instant START = Instant.parse("2030-05-06T07:00:00Z");

  @TempDir Path dir;

  @Test
  void anOverrideGivenADurationLastsExactlyThatLongFromItsCreation() {
    try (TestServer server = TestServer.embedded(new TickingClock(START))) {
      Api.Response created = server.admin.post(
          "/v1/overrides", "{\"selector\":\"user:alice\",\"bypass\":true,\"duration\":\"PT1H\",\"reason\":\"trial\"}");
      assertThat(created.status()).as(created.toString()).isEqualTo(201);
      Instant createdAt = Instant.parse(created.json().get("createdAt").asText());
      Instant expiresAt = Instant.parse(created.json().get("expiresAt").asText());

      // The store shares the clock, read a tick after the engine's at the last reload: its time runs 1 ms ahead.
      assertThat(Duration.between(createdAt.plusMillis(1), expiresAt)).isEqualTo(Duration.ofHours(1));
      JsonNode audited = server.admin.get("/v1/audit?action=override.create").json().get("entries").get(0);
      assertThat(Instant.parse(audited.get("at").asText())).isEqualTo(createdAt);
    }
  }

  @Test
  void aKeyIsIssuedAndRevokedAtTheTimesItsAuditEntriesTell() {
    try (Database db = Database.embedded(dir)) {
      ApiKeyRepository repo = new ApiKeyRepository(db);
      JdbcConfigRepository config = new JdbcConfigRepository(db);
      JdbcKeyRing keys = new JdbcKeyRing(repo, new TickingClock(START), System::nanoTime);

      keys.issue("svc", Role.SERVICE, Set.<Subject>of(), "admin", "deploy");
      AuditEntry issued = config.audit(AuditQuery.latest(1)).get(0);
      assertThat(repo.list().get(0).createdAt()).isEqualTo(issued.at());

      assertThat(keys.revoke("svc", "admin", "leaked")).isTrue();
      AuditEntry revoked = config.audit(AuditQuery.latest(1)).get(0);
      assertThat(repo.list().get(0).revokedAt()).isEqualTo(revoked.at());
    }
  }
}
