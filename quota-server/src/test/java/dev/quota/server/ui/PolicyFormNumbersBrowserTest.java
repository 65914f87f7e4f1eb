package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;

/** Whole-number fields of the policy form: sent as typed, checked by the server's own bounds. */
class PolicyFormNumbersBrowserTest extends BrowserTestSupport {
  @Test
  void wholeNumbersAreSentExactlyAndTheErrorNamesTheRealRule() throws Exception {
    signInAs(ADMIN_KEY);
    go("#/policies/new");
    waitFor(By.name("selector")).sendKeys("user:*");
    click(By.cssSelector("[data-test=add-rate]"));
    WebElement limit = waitFor(By.name("rateLimits.0.limit"));

    // A fraction is refused in the form, before anything is sent.
    limit.sendKeys("1.5");
    click(By.cssSelector("[data-test=save-policy]"));
    WebElement limitError = browser.findElement(By.cssSelector("[data-error-for='rateLimits.0.limit']"));
    waiting().until(d -> !limitError.getText().isBlank());
    assertThat(limitError.getText()).contains("whole number");

    // Too large for the server: sent digit for digit, so the server names its bound rather than a rounded 1e+23.
    limit.clear();
    limit.sendKeys("99999999999999999999999");
    click(By.cssSelector("[data-test=save-policy]"));
    waiting().until(d -> limitError.getText().contains("9007199254740991"));
    assertThat(limitError.getText()).doesNotContain("whole number");
    assertNoConsoleErrorsExcept("oversized limit", "/v1/policies/user%3A*", "status of 400");

    // The monthly reset day goes up to 31, as the server allows (a short month resets on its last day).
    limit.clear();
    limit.sendKeys("5");
    browser.findElement(By.name("budget.daily")).sendKeys("1.00");
    WebElement resetDay = browser.findElement(By.name("budget.resetDay"));
    resetDay.clear();
    resetDay.sendKeys("28", Keys.ARROW_UP, Keys.ARROW_UP, Keys.ARROW_UP, Keys.ARROW_UP);
    assertThat(resetDay.getAttribute("value")).isEqualTo("31");
    click(By.cssSelector("[data-test=save-policy]"));
    waitFor(By.cssSelector("tr[data-selector='user:*']"));
    assertThat(get("/v1/policies/user:*").body()).contains("\"resetDay\":31").contains("\"limit\":5");
    assertNoConsoleErrors("policy saved");
  }
}
