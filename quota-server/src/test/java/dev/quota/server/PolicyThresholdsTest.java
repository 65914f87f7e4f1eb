package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Alert thresholds are read back as plain decimals, as they would be written by hand. */
class PolicyThresholdsTest {
  @RegisterExtension
  static final SharedServer server = SharedServer.embedded();

  @Test
  void thresholdsAreEchoedAndListedPlainly() {
    Api.Response put = server.admin().put("/v1/policies/team:*",
        "{\"budget\":{\"currency\":\"USD\",\"daily\":\"10\"},\"alertThresholds\":[0.50,0.0000001,1E-9]}");
    assertThat(put.status()).as(put.toString()).isEqualTo(201);
    String plain = "\"alertThresholds\":[0.000000001,0.0000001,0.5]";
    assertThat(put.body()).contains(plain);
    assertThat(server.admin().get("/v1/policies/team:*").body()).contains(plain);
    assertThat(server.admin().get("/v1/policies").body()).contains(plain).doesNotContain("E-");
  }
}
