package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/**
 * A limit an override sets in place of its selector's policy says so ({@code fromOverride}) in a
 * decision and in a subject's usage: a check naming several subjects lists limits of several
 * selectors, and the selector alone does not tell a policy's limit from an override's. A policy's
 * limit, and one an override bypasses, has no such field.
 */
class LimitsFromOverridesTest {
  @Test
  void aLimitSetByAnOverrideIsMarkedAndAPolicysIsNot() {
    try (TestServer server = TestServer.embedded()) {
      Api admin = server.admin;
      assertThat(admin.put("/v1/policies/user:*", "{\"rateLimits\":[{\"limit\":10,\"window\":\"PT1M\"}]}").status()).isEqualTo(201);
      assertThat(admin.put("/v1/policies/tool:*", "{\"rateLimits\":[{\"limit\":20,\"window\":\"PT1M\"}]}").status()).isEqualTo(201);
      Api.Response created = admin.post("/v1/overrides", "{\"selector\":\"user:carol\",\"limits\":{\"rateLimits\":"
          + "[{\"limit\":50,\"window\":\"PT1M\"}]},\"duration\":\"PT1H\",\"reason\":\"launch\"}");
      assertThat(created.status()).as(created.toString()).isEqualTo(201);
      assertThat(admin.post("/v1/overrides", "{\"selector\":\"tool:image_gen\",\"bypass\":true,\"duration\":\"PT1H\","
          + "\"reason\":\"r\"}").status()).isEqualTo(201);

      Api.Response check = admin.post("/v1/check",
          "{\"subjects\":{\"user\":\"carol\",\"tool\":\"image_gen\"},\"meters\":{\"requests\":0}}");
      assertThat(check.status()).as(check.toString()).isEqualTo(200);
      JsonNode carol = limitOf(check.json().get("limits"), "user:carol");
      assertThat(carol.get("limit").asLong()).isEqualTo(50);
      assertThat(carol.get("fromOverride").asBoolean()).isTrue();
      JsonNode tool = limitOf(check.json().get("limits"), "tool:*");
      assertThat(tool.get("mode").asText()).as("bypassed").isEqualTo("shadow");
      assertThat(tool.has("fromOverride")).as("a bypassed policy's limit is the policy's").isFalse();

      JsonNode usage = admin.get("/v1/usage/user/carol").json();
      assertThat(limitOf(usage.get("limits"), "user:carol").get("fromOverride").asBoolean()).isTrue();
      JsonNode dave = admin.get("/v1/usage/user/dave").json();
      assertThat(limitOf(dave.get("limits"), "user:*").has("fromOverride")).isFalse();
    }
  }

  private static JsonNode limitOf(JsonNode limits, String policy) {
    for (JsonNode l : limits) {
      if (l.get("policy").asText().equals(policy)) {
        return l;
      }
    }
    throw new AssertionError("no limit of " + policy + " in " + limits);
  }
}
