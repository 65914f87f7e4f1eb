package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.Select;

/**
 * An override of replacement limits stands in for the whole policy, so it starts with the replaced
 * policy's mode, behaviour while the store is down and alert thresholds, as it does with its
 * budget's currency and calendar. The form sent none of them, and the server's defaults took their
 * place: raising a limit of a policy in shadow mode started denying, one that failed open denied
 * while the store was down, and one that never alerted alerted at 80, 90 and 95 %.
 */
class OverrideKeepsPolicySettingsBrowserTest extends BrowserTestSupport {
  @Test
  void anOverrideKeepsTheModeFailModeAndAlertThresholdsOfThePolicyItReplaces() throws Exception {
    var r = send("PUT", "/v1/policies/team:*?reason=setup",
        "{\"rateLimits\":[{\"limit\":5,\"window\":\"PT1M\"}],\"alertThresholds\":[],\"mode\":\"shadow\",\"failMode\":\"open\"}", ADMIN_KEY);
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
    signInAs(ADMIN_KEY);

    go("#/overrides/new/team%3Aml");
    // The form has read the replaced policy once its mode shows.
    waitForAttribute(By.name("limits.mode"), "value", "shadow");
    assertThat(browser.findElement(By.name("limits.failMode")).getAttribute("value")).isEqualTo("open");
    assertThat(browser.findElement(By.name("limits.alertThresholds")).getAttribute("value")).isEmpty();
    browser.findElement(By.name("limits.rateLimits")).sendKeys("50");
    browser.findElement(By.name("reason")).sendKeys("training run");
    click(By.cssSelector("[data-test=create-override]"));
    waitFor(By.cssSelector("tr[data-selector='team:ml']"));
    assertThat(get("/v1/overrides").body())
        .contains("\"limit\":50").contains("\"mode\":\"shadow\"").contains("\"failMode\":\"open\"").contains("\"alertThresholds\":[]");

    // Still editable: what is chosen is sent as chosen, whatever the policy sets.
    go("#/overrides/new/team%3Aops");
    waitForAttribute(By.name("limits.mode"), "value", "shadow");
    new Select(browser.findElement(By.name("limits.mode"))).selectByValue("enforce");
    browser.findElement(By.name("limits.alertThresholds")).sendKeys("0.5");
    browser.findElement(By.name("limits.rateLimits")).sendKeys("60");
    browser.findElement(By.name("reason")).sendKeys("enforced on purpose");
    click(By.cssSelector("[data-test=create-override]"));
    waitFor(By.cssSelector("tr[data-selector='team:ops']"));
    String ops = get("/v1/overrides").body().replaceAll(".*(\\{\"id\":\"[^\"]+\",\"selector\":\"team:ops\".*?\"reason\").*", "$1");
    assertThat(ops).contains("\"limit\":60").contains("\"mode\":\"enforce\"").contains("\"failMode\":\"open\"").contains("\"alertThresholds\":[0.5]");
    assertNoConsoleErrors("override settings");
  }

  /** A threshold the server refuses is named as typed beside the field, as in the policy form. */
  @Test
  void aRefusedThresholdIsNamedAsTyped() throws Exception {
    signInAs(ADMIN_KEY);
    go("#/overrides/new/user%3Azoe");
    var thresholds = waitFor(By.name("limits.alertThresholds"));
    thresholds.clear();
    thresholds.sendKeys("0.5, 1.5");
    browser.findElement(By.name("limits.rateLimits")).sendKeys("5");
    browser.findElement(By.name("reason")).sendKeys("too high");
    click(By.cssSelector("[data-test=create-override]"));
    waiting().until(d -> !d.findElement(By.cssSelector("[data-error-for='limits.alertThresholds']")).getText().isBlank());
    assertThat(textOf(By.cssSelector("[data-error-for='limits.alertThresholds']"))).startsWith("1.5: ").contains("less than 1");
    assertThat(get("/v1/overrides").body()).doesNotContain("user:zoe");
    assertNoConsoleErrorsExcept("a refused threshold", "/v1/overrides", "status of 400");
  }
}
