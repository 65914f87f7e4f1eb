package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * A limit past its amount says when to retry only where it denies: one in shadow mode, or under a
 * bypass override, counts without refusing anything, so there is nothing to wait for.
 */
class ShadowRetryBrowserTest extends BrowserTestSupport {
  private static final By DAILY = By.cssSelector(".usage[data-kind=budget_daily]");
  private static final By DAILY_STATE = By.cssSelector(".usage[data-kind=budget_daily] [data-test=exhausted]");
  private static final By DAILY_NUMBERS = By.cssSelector(".usage[data-kind=budget_daily] .nums");

  @Test
  void onlyAnEnforcedLimitPastItsAmountSaysWhenToRetry() throws Exception {
    assertThat(send("PUT", "/v1/policies/team:*", "{\"budget\":{\"currency\":\"USD\",\"daily\":\"10.00\"}}", ADMIN_KEY).statusCode()).isEqualTo(201);
    assertThat(send("PUT", "/v1/policies/project:*", "{\"mode\":\"shadow\",\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"}}", ADMIN_KEY).statusCode())
        .isEqualTo(201);
    recordUsage("{\"team\":\"qa\",\"project\":\"lab\"}", "20.00");
    recordUsage("{\"team\":\"ops\"}", "20.00");
    String expires = clock.instant().plus(Duration.ofHours(2)).toString();
    assertThat(post("/v1/overrides", "{\"selector\":\"team:ops\",\"bypass\":true,\"expiresAt\":\"" + expires
        + "\",\"reason\":\"incident 7\"}").statusCode()).isEqualTo(201);
    signInAs(ADMIN_KEY);

    // Enforced: refused until the budget resets, and the page says when.
    go("#/subjects/team/qa");
    waitForText(DAILY_STATE, "exhausted");
    assertThat(textOf(DAILY_NUMBERS)).contains("retry in");

    // Shadow mode: over its amount, but nothing is refused.
    go("#/subjects/project/lab");
    waitForText(DAILY_STATE, "over (shadow)");
    assertThat(textOf(DAILY_NUMBERS)).contains("resets in").doesNotContain("retry");

    // Bypassed: the team's spend still counts against its budget, but no request waits for it.
    go("#/subjects/team/ops");
    waitFor(By.cssSelector("[data-test=override-in-force]"));
    waitForText(DAILY_STATE, "over (shadow)");
    assertThat(waitFor(DAILY).getText()).contains("$20.00 used");
    assertThat(textOf(DAILY_NUMBERS)).contains("resets in").doesNotContain("retry");
    shot("shadow-retry-01-bypassed");
    assertNoConsoleErrors("limits past their amount");
  }
}
