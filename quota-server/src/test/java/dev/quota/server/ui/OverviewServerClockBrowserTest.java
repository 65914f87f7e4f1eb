package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * The overview asks for the last hour's denials and the recent alerts by the server's clock, read
 * from the Date of its answers, not by the browser's: a browser whose clock runs five weeks ahead
 * asked for denials from the future and alerts from after every one that fired, and showed none.
 */
class OverviewServerClockBrowserTest extends BrowserTestSupport {
  @Test
  void theLastHourAndTheAlertsAreReadByTheServersClock() throws Exception {
    assertThat(send("PUT", "/v1/policies/team:*?reason=setup",
        "{\"rateLimits\":[{\"limit\":1,\"window\":\"PT1H\"}],\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"},"
            + "\"alertThresholds\":[0.8]}", ADMIN_KEY).statusCode()).isBetween(200, 201);
    recordUsage("{\"team\":\"red\"}", "0.90");
    assertThat(post("/v1/reservations", "{\"subjects\":{\"team\":\"red\"}}").statusCode()).isEqualTo(429);
    assertThat(get("/v1/alerts").body()).contains("team:red");

    signInAs(ADMIN_KEY);
    browserClockAhead(Duration.ofDays(35));
    go("#/overview");

    waitForText(By.cssSelector("[data-test=stat-denials]"), "1");
    assertThat(textOf(By.cssSelector("[data-test=denials] tbody"))).contains("team:red");
    waitForText(By.cssSelector("[data-test=stat-budgets]"), "1");
    assertThat(textOf(By.cssSelector("[data-test=risk] tbody"))).contains("team:red").contains("90%");
    assertNoConsoleErrors("an overview with the browser's clock ahead");
  }
}
