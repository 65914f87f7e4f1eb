package dev.quota.server.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.server.Api;
import dev.quota.server.SharedServer;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The alert history's filters are selectors: a pair is found whichever order it is written in. */
class AlertFiltersTest {
  @RegisterExtension
  static final SharedServer server = SharedServer.embedded();

  @Test
  void aPairSubjectIsFoundInEitherOrderAndThePolicyBySelector() throws InterruptedException {
    Api admin = server.admin();
    assertThat(admin.put("/v1/policies/user:*,tool:image_gen",
        "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"},\"alertThresholds\":[0.8]}").status()).isEqualTo(201);
    assertThat(admin.post("/v1/usage", "{\"subjects\":{\"user\":\"alice\",\"tool\":\"image_gen\"},\"cost\":\"0.90\"}")
        .status()).isEqualTo(200);
    assertThat(server.server().quota().drainAlerts(Duration.ofSeconds(10))).isTrue();

    for (String filter : new String[] {"subject=tool:image_gen,user:alice", "subject=user:alice,tool:image_gen",
        "policy=user:*,tool:image_gen", "policy=tool:image_gen,user:*"}) {
      assertThat(admin.get("/v1/alerts?" + filter).json().get("alerts")).as(filter).hasSize(1);
    }
    assertThat(admin.get("/v1/alerts?subject=user:alice").json().get("alerts")).isEmpty();
  }
}
