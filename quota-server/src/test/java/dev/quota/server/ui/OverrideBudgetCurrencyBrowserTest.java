package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * An override's budget starts in the currency of the budget it replaces, as its calendar does: an
 * override of a euro budget made from the subject page is stored in euros, and the subject page
 * goes on labelling the same spend in euros. It was stored in dollars whatever the policy used.
 */
class OverrideBudgetCurrencyBrowserTest extends BrowserTestSupport {
  private static final By DAILY_BUDGET = By.cssSelector("[data-test=usage] .usage[data-kind='budget_daily']");

  @Test
  void anOverrideKeepsTheCurrencyOfTheBudgetItReplaces() throws Exception {
    var r = send("PUT", "/v1/policies/team:*?reason=setup",
        "{\"budget\":{\"currency\":\"EUR\",\"daily\":\"6.00\",\"timezone\":\"Europe/Paris\"}}", ADMIN_KEY);
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
    recordUsage("{\"team\":\"ml\"}", "1.50");
    signInAs(ADMIN_KEY);
    go("#/subjects/team/ml");
    waitForAttribute(DAILY_BUDGET, "data-used", "1.50");
    assertThat(textOf(DAILY_BUDGET)).contains("€1.50");

    click(By.linkText("Override limits"));
    // The form has read the replaced policy once its calendar shows.
    waitForAttribute(By.name("limits.budget.timezone"), "value", "Europe/Paris");
    assertThat(browser.findElement(By.name("limits.budget.currency")).getAttribute("value")).isEqualTo("EUR");
    browser.findElement(By.name("limits.budget.daily")).sendKeys("20");
    browser.findElement(By.name("reason")).sendKeys("training run");
    click(By.cssSelector("[data-test=create-override]"));
    waitFor(By.cssSelector("tr[data-selector='team:ml']"));
    assertThat(get("/v1/overrides").body()).contains("\"currency\":\"EUR\"").doesNotContain("USD");
    shot("override-currency-01-from-policy");

    go("#/subjects/team/ml");
    waiting().until(d -> d.findElement(DAILY_BUDGET).getAttribute("data-limit").startsWith("20"));
    assertThat(textOf(DAILY_BUDGET)).contains("€1.50").contains("€20.00").doesNotContain("$");

    // Still editable: a currency typed in is sent as typed, whatever the policy uses.
    go("#/overrides/new/team:ops");
    waitForAttribute(By.name("limits.budget.currency"), "value", "EUR");
    var currency = browser.findElement(By.name("limits.budget.currency"));
    currency.clear();
    currency.sendKeys("GBP");
    browser.findElement(By.name("limits.budget.monthly")).sendKeys("300");
    browser.findElement(By.name("reason")).sendKeys("pounds on purpose");
    click(By.cssSelector("[data-test=create-override]"));
    waitFor(By.cssSelector("tr[data-selector='team:ops']"));
    assertThat(get("/v1/overrides").body()).contains("\"currency\":\"GBP\"");
    assertNoConsoleErrors("override budget currency");
  }
}
