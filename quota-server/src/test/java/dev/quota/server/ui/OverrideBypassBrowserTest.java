package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/**
 * A bypass carries no limits of its own: the override form shows no limit fields for one, nor says
 * that limits replace the policy. The policy's limits still count under it without denying, and the
 * form and the list say so rather than that there are no limits.
 */
class OverrideBypassBrowserTest extends BrowserTestSupport {
  @Test
  void choosingBypassHidesTheReplacementLimits() throws Exception {
    signInAs(ADMIN_KEY);
    go("#/overrides");
    waitFor(By.name("selector")).sendKeys("team:*");
    waitFor(By.cssSelector("[data-test=replace-note]"));
    Select kind = new Select(browser.findElement(By.name("bypass")));

    assertThat(kind.getOptions().get(1).getText()).contains("count").doesNotContain("all limits");
    kind.selectByValue("bypass");
    waiting().until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector("[data-test=replace-note]")));
    assertThat(browser.findElement(By.name("limits.rateLimits")).isDisplayed()).isFalse();
    assertThat(browser.findElement(By.name("limits.budget.daily")).isDisplayed()).isFalse();
    browser.findElement(By.name("reason")).sendKeys("incident 42");
    shot("override-bypass-01-no-limit-fields");
    click(By.cssSelector("[data-test=create-override]"));
    // A bypass stops denials; the limits still count, so the list does not say they are gone.
    String row = waitFor(By.cssSelector("tr[data-selector='team:*']")).getText();
    assertThat(row).contains("bypass").contains("never denies").doesNotContain("no limits");

    // Back to replacement limits: the fields and the note return.
    kind.selectByValue("limits");
    waitFor(By.cssSelector("[data-test=replace-note]"));
    assertThat(browser.findElement(By.name("limits.rateLimits")).isDisplayed()).isTrue();
    assertNoConsoleErrors("override kinds");
  }
}
