package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * An override of a pair is stored with its scopes in order ("tool:image_gen,user:*" for
 * "user:*,tool:image_gen" as typed): the toast after creating it names it as the server answered,
 * as the list then shows it.
 */
class PairOverrideToastBrowserTest extends BrowserTestSupport {
  @Test
  void theToastNamesAPairAsStored() throws Exception {
    signInAs(ADMIN_KEY);
    go("#/overrides");
    waitFor(By.name("selector")).sendKeys("user:*,tool:image_gen");
    browser.findElement(By.name("limits.budget.daily")).sendKeys("20");
    browser.findElement(By.name("reason")).sendKeys("launch day");
    click(By.cssSelector("[data-test=create-override]"));
    waitFor(By.cssSelector("tr[data-selector='tool:image_gen,user:*']"));
    waiting().until(d -> d.findElement(By.id("toast")).getText().contains("created"));
    assertThat(textOf(By.id("toast"))).isEqualTo("Override for tool:image_gen,user:* created.");
    shot("pair-override-toast-01");
    assertNoConsoleErrors("pair override toast");
  }
}
