package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.server.Polling;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/** The alert list shows the threshold a budget crossed as the policy set it, not rounded to a whole percent. */
class AlertThresholdBrowserTest extends BrowserTestSupport {
  @Test
  void aFractionalThresholdIsShownAsSet() throws Exception {
    assertThat(send("PUT", "/v1/policies/team:*",
        "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"},\"alertThresholds\":[0.5,0.955,0.995]}", ADMIN_KEY).statusCode())
        .isEqualTo(201);
    recordUsage("{\"team\":\"red\"}", "0.999");
    // Alerts reach the history a moment after the usage that fired them is answered.
    Polling.awaitUntil(Duration.ofSeconds(10), () -> bodyOf("/v1/alerts").contains("\"threshold\":0.995"));
    assertThat(get("/v1/alerts").body()).contains("\"threshold\":0.995").contains("\"threshold\":0.955");
    signInAs(ADMIN_KEY);

    go("#/alerts");
    waitFor(By.cssSelector("table tbody tr"));
    // Newest first: 99.5 % (which read as "100%", beside budgets that are not exhausted), then 95.5 % and 50 %.
    String thresholds = textOf(By.cssSelector("table tbody"));
    assertThat(thresholds).contains("99.5%").contains("95.5%").contains("50%").doesNotContain("100%").doesNotContain("exhausted");
    assertNoConsoleErrors("alerts with fractional thresholds");
  }
}
