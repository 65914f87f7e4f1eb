package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A key's name is the actor in the audit trail, so it identifies one active key: a taken name
 * (the administrator key's included) is a 409 naming the field, every listed name answers a
 * revocation with something other than 404, and viewer keys name their subjects one by one.
 */
class KeyNamesTest {
  @RegisterExtension
  static final SharedServer server = SharedServer.embedded();

  /** The answer that carries a new key is the only one that ever does: no cache may keep it. */
  @Test
  void anIssuedKeyIsAnsweredNotToBeStored() {
    Api.Response issued = issue("{\"name\":\"cached\",\"role\":\"service\"}");
    assertThat(issued.status()).isEqualTo(201);
    assertThat(issued.header("Cache-Control")).isEqualTo("no-store");
  }

  @Test
  void aTakenNameIsAConflictUntilItsKeyIsRevoked() {
    assertThat(issue("{\"name\":\"dup\",\"role\":\"service\"}").status()).isEqualTo(201);
    String audit = server.admin().get("/v1/audit").body();
    Api.Response again = issue("{\"name\":\"dup\",\"role\":\"viewer\",\"subjects\":[\"user:a\"]}");
    assertConflictOnName(again);
    assertThat(server.admin().get("/v1/audit").body()).isEqualTo(audit);
    assertThat(names()).containsOnlyOnce("dup");

    assertThat(server.admin().delete("/v1/keys/dup").status()).isEqualTo(204);
    assertThat(names()).doesNotContain("dup");
    assertThat(server.admin().delete("/v1/keys/dup").status()).isEqualTo(404);
    assertThat(issue("{\"name\":\"dup\",\"role\":\"service\"}").status()).isEqualTo(201);
  }

  @Test
  void theAdministratorKeysNameIsReservedAndItCannotBeRevokedThroughTheApi() {
    assertConflictOnName(issue("{\"name\":\"admin\",\"role\":\"service\"}"));
    assertThat(names()).containsOnlyOnce("admin");

    Api.Response revoke = server.admin().delete("/v1/keys/admin");
    assertConflictOnName(revoke);
    assertThat(revoke.json().get("rule").asText()).contains("QUOTA_ADMIN_KEY");
    assertThat(server.admin().get("/v1/whoami").status()).isEqualTo(200);
    assertThat(names()).containsOnlyOnce("admin");
  }

  @Test
  void aNameIsTakenInEveryCaseSoTheAuditTrailTellsKeysApart() {
    assertThat(issue("{\"name\":\"svc\",\"role\":\"service\"}").status()).isEqualTo(201);
    String audit = server.admin().get("/v1/audit").body();
    for (String name : java.util.List.of("SVC", "Svc")) {
      Api.Response again = issue("{\"name\":\"" + name + "\",\"role\":\"service\"}");
      assertConflictOnName(again);
      assertThat(again.json().get("rule").asText()).contains("ignoring case").contains("'svc'");
    }
    assertThat(server.admin().get("/v1/audit").body()).isEqualTo(audit);
    assertThat(names()).filteredOn(n -> n.equalsIgnoreCase("svc")).containsExactly("svc");

    assertThat(server.admin().delete("/v1/keys/Svc").status()).isEqualTo(204);
    assertThat(issue("{\"name\":\"SVC\",\"role\":\"service\"}").status()).isEqualTo(201);
  }

  @Test
  void theAdministratorKeysNameIsReservedInEveryCase() {
    String audit = server.admin().get("/v1/audit").body();
    for (String name : java.util.List.of("Admin", "ADMIN")) {
      Api.Response r = issue("{\"name\":\"" + name + "\",\"role\":\"admin\"}");
      assertConflictOnName(r);
      assertThat(r.json().get("rule").asText()).contains("ignoring case").contains("'admin'").contains("QUOTA_ADMIN_KEY");
    }
    assertThat(server.admin().get("/v1/audit").body()).isEqualTo(audit);
    assertThat(names()).filteredOn(n -> n.equalsIgnoreCase("admin")).containsExactly("admin");
  }

  @Test
  void everyListedKeyAnswersARevocationOtherThanNotFound() {
    issue("{\"name\":\"listed\",\"role\":\"viewer\",\"subjects\":[\"user:l\"]}");
    for (String name : names()) {
      assertThat(server.admin().send("DELETE", "/v1/keys/" + name, null).status()).as(name).isNotEqualTo(404);
    }
  }

  @Test
  void aViewerCannotBeBoundToEveryIdOfAScope() {
    Api.Response r = issue("{\"name\":\"everyone\",\"role\":\"viewer\",\"subjects\":[\"user:a\",\"user:*\"]}");
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.json().get("field").asText()).isEqualTo("subjects[1]");
    assertThat(r.json().get("rule").asText()).contains("*");
    assertThat(names()).doesNotContain("everyone");
  }

  private static Api.Response issue(String body) {
    return server.admin().post("/v1/keys", body);
  }

  private static void assertConflictOnName(Api.Response r) {
    assertThat(r.status()).as(r.toString()).isEqualTo(409);
    assertThat(r.contentType()).startsWith("application/problem+json");
    JsonNode p = r.json();
    assertThat(p.get("field").asText()).isEqualTo("name");
    assertThat(p.get("rule").asText()).isNotBlank();
  }

  private static java.util.List<String> names() {
    return server.admin().get("/v1/keys").json().get("keys").findValuesAsText("name");
  }
}
