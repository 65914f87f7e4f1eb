package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * A change answered 204 has no content, so it is labelled with no media type either: a client
 * that dispatches on Content-Type must not look for a text body in it.
 */
class NoContentAnswersTest extends ServerSuite {
  private static void noContent(Api.Response r) {
    assertThat(r.status()).as(r.toString()).isEqualTo(204);
    assertThat(r.body()).isEmpty();
    assertThat(r.contentType()).as("Content-Type of a 204").isNull();
  }

  @Test
  void aDeletedPolicyIsAnsweredWithoutAMediaType() {
    assertThat(admin.put("/v1/policies/team:gone", "{\"concurrency\":1}").status()).isEqualTo(201);
    noContent(admin.delete("/v1/policies/team:gone"));
  }

  @Test
  void aRevokedOverrideIsAnsweredWithoutAMediaType() {
    Api.Response created = admin.post("/v1/overrides",
        "{\"selector\":\"team:brief\",\"bypass\":true,\"duration\":\"PT1H\",\"reason\":\"test\"}");
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    noContent(admin.delete("/v1/overrides/" + created.json().get("id").asText()));
  }

  @Test
  void aResetIsAnsweredWithoutAMediaType() {
    noContent(admin.post("/v1/subjects/user/reset-me/reset", null));
  }

  @Test
  void aRevokedKeyIsAnsweredWithoutAMediaType() {
    assertThat(admin.post("/v1/keys", "{\"name\":\"short-lived\",\"role\":\"service\"}").status()).isEqualTo(201);
    noContent(admin.delete("/v1/keys/short-lived"));
  }
}
