package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.server.RefusingTrigger;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * A policy the server stored but could not put in force at once (its reload after the write
 * failed: here the database refuses the record of the budget counters the policy names) is
 * confirmed as saved, and the console says it is in force only after the server's next reload.
 */
class PendingChangeBrowserTest extends BrowserTestSupport {
  @Test
  void aPolicyStoredButNotYetInForceIsConfirmedSayingSo() throws Exception {
    signInAs(ADMIN_KEY);
    try (RefusingTrigger.Fault refused = RefusingTrigger.onEmbedded(dataDir, "budget_counter_set")) {
      go("#/policies/new");
      waitFor(By.name("selector")).sendKeys("team:*");
      browser.findElement(By.name("budget.daily")).sendKeys("5.00");
      click(By.cssSelector("[data-test=save-policy]"));

      waiting().until(d -> d.findElement(By.id("toast")).getText().contains("team:*"));
      assertThat(textOf(By.id("toast")))
          .contains("Policy team:* created.")
          .contains("this server puts it in force at its next reload");
      shot("policy-pending");
    }
    assertThat(get("/v1/policies/team:*").statusCode()).isEqualTo(200);
    assertNoConsoleErrors("a pending change");

    // Applied at once: no such note.
    go("#/policies/new");
    waitFor(By.name("selector")).sendKeys("project:*");
    browser.findElement(By.name("budget.daily")).sendKeys("7.00");
    click(By.cssSelector("[data-test=save-policy]"));
    waiting().until(d -> d.findElement(By.id("toast")).getText().contains("project:*"));
    assertThat(textOf(By.id("toast"))).contains("Policy project:* created.").doesNotContain("next reload");
  }
}
