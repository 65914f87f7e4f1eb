package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The audit trail's target filter finds a pair policy by its selector written in either order, as
 * the API takes it everywhere else: an admin who wrote {@code user:*,tool:image_gen} finds the
 * entries stored under {@code tool:image_gen,user:*}.
 */
class AuditTargetFilterTest {
  @RegisterExtension
  static final SharedServer server = SharedServer.embedded();

  @Test
  void aPairSelectorFindsItsEntriesInEitherOrder() {
    Api admin = server.admin();
    assertThat(admin.put("/v1/policies/user:*,tool:image_gen", "{\"concurrency\":2}").status()).isEqualTo(201);
    assertThat(admin.put("/v1/policies/user:*", "{\"concurrency\":3}").status()).isEqualTo(201);

    for (String written : new String[] {"user:*,tool:image_gen", "tool:image_gen,user:*"}) {
      JsonNode entries = admin.get("/v1/audit?target=" + written).json().get("entries");
      assertThat(entries).as(written).hasSize(1);
      assertThat(entries.get(0).get("target").asText()).isEqualTo("tool:image_gen,user:*");
    }
  }

  @Test
  void partOfATargetIsStillMatchedAsGiven() {
    Api admin = server.admin();
    assertThat(admin.put("/v1/policies/team:*,provider:openai", "{\"concurrency\":2}").status()).isEqualTo(201);

    JsonNode entries = admin.get("/v1/audit?target=openai,team:").json().get("entries");
    assertThat(entries).hasSize(1);
    assertThat(entries.get(0).get("target").asText()).isEqualTo("provider:openai,team:*");
  }
}
