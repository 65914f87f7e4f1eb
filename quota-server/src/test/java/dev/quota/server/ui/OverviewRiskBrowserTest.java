package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.server.Polling;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * The overview's budgets near or over their limit are where those budgets stand now, read from live
 * usage: the month's alerts only say which subjects to look at. A budget reset since its alert is not
 * at risk any more; one an override bypasses still is, as its spend still counts and it denies again
 * once the override ends. The share shown is the real one, not the threshold the alert crossed.
 */
class OverviewRiskBrowserTest extends BrowserTestSupport {
  @Test
  void budgetsAtRiskAreReadFromLiveUsage() throws Exception {
    assertThat(send("PUT", "/v1/policies/team:*?reason=setup",
        "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"},\"alertThresholds\":[0.8]}", ADMIN_KEY).statusCode()).isBetween(200, 201);
    recordUsage("{\"team\":\"red\"}", "0.87");
    recordUsage("{\"team\":\"blue\"}", "0.90");
    recordUsage("{\"team\":\"green\"}", "0.95");
    clock.advance(java.time.Duration.ofSeconds(1)); // the reset comes after the spend it forgives
    assertThat(post("/v1/subjects/team/blue/reset", "{\"reason\":\"support ticket\"}").statusCode()).isEqualTo(204);
    assertThat(post("/v1/overrides", "{\"selector\":\"team:green\",\"bypass\":true,\"duration\":\"PT1H\",\"reason\":\"launch\"}")
        .statusCode()).isEqualTo(201);
    // Each crossed 80 %, so each has an alert this month.
    Polling.awaitUntil(java.time.Duration.ofSeconds(10), () -> {
      String alerts = bodyOf("/v1/alerts"); // stored a moment after the usage that fired them
      return alerts.contains("team:red") && alerts.contains("team:blue") && alerts.contains("team:green");
    });
    assertThat(get("/v1/alerts").body()).contains("team:red").contains("team:blue").contains("team:green");

    signInAs(ADMIN_KEY);
    go("#/overview");
    waitForText(By.cssSelector("[data-test=stat-budgets]"), "2");
    String risk = textOf(By.cssSelector("[data-test=risk] tbody"));
    assertThat(risk).contains("team:red").contains("87%").contains("$0.87 / $1.00");
    assertThat(risk).contains("team:green").contains("95%").contains("$0.95 / $1.00");
    assertThat(risk).doesNotContain("team:blue");
    shot("overview-live-risk");
    assertNoConsoleErrors("overview with live risk");
  }
}
