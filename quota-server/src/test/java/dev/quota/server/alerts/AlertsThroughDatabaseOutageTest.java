package dev.quota.server.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quota.server.Api;
import dev.quota.server.ServerOnOutagePostgres;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Spend recorded during a database outage that crosses an alert threshold is answered like any
 * other: 200, its ledger row spooled. It used to fail because the decision stored the alert itself
 * (a 503 claiming the request changed nothing, although the counter was charged and the ledger row
 * was then never written). The alert waits in the server and is stored once the database is back.
 * The test takes away a PostgreSQL database of its own.
 */
class AlertsThroughDatabaseOutageTest {
  private static final String POLICY = "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"},\"alertThresholds\":[0.8]}";

  @RegisterExtension
  final ServerOnOutagePostgres outage = new ServerOnOutagePostgres("qs_alerts_");

  @Test
  void usageCrossingAThresholdDuringAnOutageIsAnsweredAndItsAlertStoredWhenTheDatabaseIsBack() throws Exception {
    Api admin = outage.admin();
    assertThat(admin.put("/v1/policies/user:*", POLICY).status()).isEqualTo(201);
    // Spend before the outage, so that the budget's counter exists: a new one is first seeded from
    // the ledger, which needs the database.
    assertThat(admin.post("/v1/usage", "{\"subjects\":{\"user\":\"ann\"},\"cost\":\"0.10\"}").status()).isEqualTo(200);

    outage.takeAway();

    Api.Response spent = admin.post("/v1/usage", "{\"subjects\":{\"user\":\"ann\"},\"cost\":\"0.75\"}");
    assertThat(spent.status()).as(spent.toString()).isEqualTo(200);
    assertThat(spent.json().get("admitted").asBoolean()).isTrue();
    Api.Response usage = admin.get("/v1/usage/user/ann");
    assertThat(usage.status()).as(usage.toString()).isEqualTo(200);
    assertThat(usage.json().get("limits").get(0).get("used").asText()).isEqualTo("0.85");
    Api.Response metrics = admin.get("/metrics");
    assertThat(metrics.body()).contains("quota_alerts_fired_total 1.0", "quota_alerts_pending 1.0");
    assertThat(admin.get("/v1/alerts").status()).isEqualTo(503);

    outage.giveBack();
    assertThat(outage.server().server().quota().drainAlerts(Duration.ofSeconds(30))).isTrue();
    JsonNode alerts = admin.get("/v1/alerts?subject=user:ann").json().get("alerts");
    assertThat(alerts).hasSize(1);
    assertThat(alerts.get(0).get("threshold").asText()).isEqualTo("0.8");
    assertThat(alerts.get(0).get("used").asText()).isEqualTo("0.85");
    assertThat(alerts.get(0).get("limit").asText()).isEqualTo("1.00");
    assertThat(admin.get("/metrics").body())
        .contains("quota_alerts_pending 0.0", "quota_alerts_dropped_total 0.0");
  }

}
