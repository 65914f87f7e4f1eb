package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A key's audit entries record it in one form, as the key list shows it: its role and the subjects
 * it may read, sorted. A revocation recorded the role alone, so the trail did not say which
 * subjects the revoked viewer key could read, and an issue listed them in the order the request did.
 */
class KeyAuditStatesTest {
  @RegisterExtension
  static final SharedServer server = SharedServer.embedded();

  @Test
  void aRevokedViewerKeyIsRecordedWithTheSubjectsItCouldRead() {
    Api.Response issued = server.admin().post("/v1/keys",
        "{\"name\":\"support\",\"role\":\"viewer\",\"subjects\":[\"user:bob\",\"team:ops\",\"user:alice\"],\"reason\":\"desk\"}");
    assertThat(issued.status()).as(issued.toString()).isEqualTo(201);
    assertThat(server.admin().delete("/v1/keys/support?reason=left").status()).isEqualTo(204);

    JsonNode issue = latest("key.issue");
    JsonNode revoke = latest("key.revoke");
    assertThat(issue.get("after").asText()).isEqualTo("viewer [team:ops, user:alice, user:bob]");
    assertThat(revoke.get("before").asText()).isEqualTo(issue.get("after").asText());
    assertThat(revoke.get("after").isNull()).isTrue();
    assertThat(revoke.get("reason").asText()).isEqualTo("left");
  }

  @Test
  void aRevokedServiceKeyIsRecordedAsIssued() {
    assertThat(server.admin().post("/v1/keys", "{\"name\":\"ci\",\"role\":\"service\"}").status()).isEqualTo(201);
    assertThat(server.admin().delete("/v1/keys/ci").status()).isEqualTo(204);

    assertThat(latest("key.issue").get("after").asText()).isEqualTo("service []");
    assertThat(latest("key.revoke").get("before").asText()).isEqualTo("service []");
  }

  private static JsonNode latest(String action) {
    return server.admin().get("/v1/audit?limit=1&action=" + action).json().get("entries").get(0);
  }
}
