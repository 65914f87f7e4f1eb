package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * A pair policy is stored with its scopes in order ("tool:image_gen,user:*" for "user:*,tool:image_gen"
 * as typed): the toast after creating it names it as the server answered, as the list then shows it.
 */
class PairPolicyToastBrowserTest extends BrowserTestSupport {
  @Test
  void theToastNamesAPairAsStored() throws Exception {
    signInAs(ADMIN_KEY);
    go("#/policies/new");
    waitFor(By.name("selector")).sendKeys("user:*,tool:image_gen");
    browser.findElement(By.name("budget.daily")).sendKeys("20");
    click(By.cssSelector("[data-test=save-policy]"));
    waitFor(By.cssSelector("tr[data-selector='tool:image_gen,user:*']"));
    waiting().until(d -> d.findElement(By.id("toast")).getText().contains("created"));
    assertThat(textOf(By.id("toast"))).isEqualTo("Policy tool:image_gen,user:* created.");
    shot("pair-policy-toast-01");
    assertNoConsoleErrors("pair policy toast");
  }
}
