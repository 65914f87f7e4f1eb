package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * A limit that never denies reads as such at every fill: under a bypass, a budget at 85 % of its
 * amount is marked shadow as the untouched rate limit beside it is, not "near limit" as if a denial
 * were coming. An enforced budget at the same fill is near its limit.
 */
class ShadowNearLimitBrowserTest extends BrowserTestSupport {
  private static final By DAILY_STATE = By.cssSelector(".usage[data-kind=budget_daily] .what strong .chip");
  private static final By RATE_STATE = By.cssSelector(".usage[data-kind=rate] .what strong .chip");

  @Test
  void aBypassedBudgetNearItsAmountReadsAsShadow() throws Exception {
    assertThat(send("PUT", "/v1/policies/team:*", "{\"rateLimits\":[{\"limit\":100,\"window\":\"PT1M\"}],"
        + "\"budget\":{\"currency\":\"USD\",\"daily\":\"10.00\"}}", ADMIN_KEY).statusCode()).isEqualTo(201);
    recordUsage("{\"team\":\"qa\"}", "8.50");
    recordUsage("{\"team\":\"ops\"}", "8.50");
    String expires = clock.instant().plus(Duration.ofHours(2)).toString();
    assertThat(post("/v1/overrides", "{\"selector\":\"team:ops\",\"bypass\":true,\"expiresAt\":\"" + expires
        + "\",\"reason\":\"incident 7\"}").statusCode()).isEqualTo(201);
    signInAs(ADMIN_KEY);

    // Enforced: near its amount, and a denial is coming.
    go("#/subjects/team/qa");
    waitForText(DAILY_STATE, "near limit");
    assertThat(browser.findElements(By.cssSelector("[data-test=shadow]"))).isEmpty();

    // Bypassed: both limits count without denying, and both say so, whatever their fill.
    go("#/subjects/team/ops");
    waitFor(By.cssSelector("[data-test=override-in-force]"));
    waitForText(DAILY_STATE, "near limit (shadow)");
    assertThat(waitFor(DAILY_STATE).getAttribute("data-test")).isEqualTo("shadow");
    assertThat(waitFor(RATE_STATE).getAttribute("data-test")).isEqualTo("shadow");
    assertThat(textOf(RATE_STATE)).isEqualTo("shadow");
    shot("shadow-near-limit-01-bypassed");
    assertNoConsoleErrors("a bypassed budget near its amount");
  }
}
