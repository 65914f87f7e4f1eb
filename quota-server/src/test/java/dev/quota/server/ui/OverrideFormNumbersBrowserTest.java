package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The override form's request limit: a mistyped one is refused beside the field, never dropped.
 * An override replaces the whole policy, so a limit left out leaves the subject without one.
 */
class OverrideFormNumbersBrowserTest extends BrowserTestSupport {
  @Test
  void aMistypedRequestLimitIsRefusedNotDropped() throws Exception {
    signInAs(ADMIN_KEY);
    go("#/overrides");
    waitFor(By.name("selector")).sendKeys("user:ines");
    WebElement requests = browser.findElement(By.name("limits.rateLimits"));
    browser.findElement(By.name("limits.budget.daily")).sendKeys("5.00");
    browser.findElement(By.name("reason")).sendKeys("launch day");
    WebElement requestsError = browser.findElement(By.cssSelector("[data-error-for='limits.rateLimits']"));

    for (String typo : new String[] {"5e", "1e3", "2.5"}) {
      requests.clear();
      requests.sendKeys(typo);
      click(By.cssSelector("[data-test=create-override]"));
      waiting().until(d -> requestsError.getText().contains("whole number"));
      assertThat(requests.getAttribute("aria-invalid")).as(typo).isEqualTo("true");
      assertThat(get("/v1/overrides").body()).as(typo).doesNotContain("user:ines");
    }
    shot("override-form-01-typo-refused");

    // Sent digit for digit, as the policy form sends its limits.
    requests.clear();
    requests.sendKeys("0250");
    click(By.cssSelector("[data-test=create-override]"));
    WebElement row = waitFor(By.cssSelector("tr[data-selector='user:ines']"));
    assertThat(row.getText()).contains("250 req / 1 min").contains("$5.00/day");
    assertThat(get("/v1/overrides").body()).contains("\"limit\":250");
    assertNoConsoleErrors("override form numbers");
  }
}
