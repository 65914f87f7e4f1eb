package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * The overview asks for the last hour's denials and the recent alerts by the server's clock, read
 * from the Date of its answers, not by the browser's: a browser whose clock runs five weeks ahead
 * asked for denials from the future and alerts from after every one that fired, and showed none.
 */
class OverviewServerClockBrowserTest extends BrowserTestSupport {
  /** Run in the page before its scripts: this browser's clock reads five weeks ahead. */
  private static final String CLOCK_AHEAD = """
      (() => {
        const shift = 35 * 24 * 3600 * 1000;
        const RealDate = Date;
        class ShiftedDate extends RealDate {
          constructor(...args) { if (args.length === 0) super(RealDate.now() + shift); else super(...args); }
          static now() { return RealDate.now() + shift; }
        }
        globalThis.Date = ShiftedDate;
      })();
      """;

  @Test
  void theLastHourAndTheAlertsAreReadByTheServersClock() throws Exception {
    assertThat(send("PUT", "/v1/policies/team:*?reason=setup",
        "{\"rateLimits\":[{\"limit\":1,\"window\":\"PT1H\"}],\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"},"
            + "\"alertThresholds\":[0.8]}", ADMIN_KEY).statusCode()).isBetween(200, 201);
    recordUsage("{\"team\":\"red\"}", "0.90");
    assertThat(post("/v1/reservations", "{\"subjects\":{\"team\":\"red\"}}").statusCode()).isEqualTo(429);
    assertThat(get("/v1/alerts").body()).contains("team:red");

    signInAs(ADMIN_KEY);
    browser.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", CLOCK_AHEAD));
    browser.navigate().refresh();
    assertThat((Long) script("return Date.now()")).as("the page's clock is ahead")
        .isGreaterThan(System.currentTimeMillis() + 30L * 24 * 3600 * 1000);
    go("#/overview");

    waitForText(By.cssSelector("[data-test=stat-denials]"), "1");
    assertThat(textOf(By.cssSelector("[data-test=denials] tbody"))).contains("team:red");
    waitForText(By.cssSelector("[data-test=stat-budgets]"), "1");
    assertThat(textOf(By.cssSelector("[data-test=risk] tbody"))).contains("team:red").contains("90%");
    assertNoConsoleErrors("an overview with the browser's clock ahead");
  }
}
