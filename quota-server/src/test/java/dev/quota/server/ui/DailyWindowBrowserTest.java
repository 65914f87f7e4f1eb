package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * A rate limit of one day, as the server stores it (PT24H, however it was written), is shown in
 * the policy form as the window "1 day" it offers. The form offered "1 day" as P1D, which the
 * server never gives back, so editing such a policy added a second choice, "24 h", beside it.
 */
class DailyWindowBrowserTest extends BrowserTestSupport {
  @Test
  void aDailyRateLimitIsEditedAsTheOneDayWindow() throws Exception {
    signInAs(ADMIN_KEY);
    go("#/policies/new");
    waitFor(By.name("selector")).sendKeys("team:*");
    click(By.cssSelector("[data-test=add-rate]"));
    browser.findElement(By.name("rateLimits.0.limit")).sendKeys("1000");
    new Select(browser.findElement(By.name("rateLimits.0.window"))).selectByVisibleText("1 day");
    click(By.cssSelector("[data-test=save-policy]"));
    waitFor(By.cssSelector("tr[data-selector='team:*']"));
    assertThat(get("/v1/policies/team:*").body()).contains("\"window\":\"PT24H\"");

    go("#/policies/edit/team%3A*");
    WebElement window = waitFor(By.name("rateLimits.0.window"));
    Select choice = new Select(window);
    assertThat(choice.getFirstSelectedOption().getText()).isEqualTo("1 day");
    assertThat(choice.getOptions()).as("one choice per window").hasSize(6);
    assertNoConsoleErrors("a daily rate limit");
  }
}
