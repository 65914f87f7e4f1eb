package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;

/**
 * A keyboard user who removes a rate limit from the policy form keeps their place among the rate
 * limits: focus goes to the Remove button of the limit that took its place (of the one before, when
 * the last went; to Add rate limit, when none is left), as Add rate limit puts it in the new row.
 * The rows were drawn afresh, so focus fell back to the top of the page, outside the form.
 */
class RateLimitRemoveFocusBrowserTest extends BrowserTestSupport {
  @Test
  void removingARateLimitWithTheKeyboardKeepsFocusAmongTheRateLimits() throws Exception {
    var r = send("PUT", "/v1/policies/team:*?reason=setup", "{\"rateLimits\":[{\"limit\":10,\"window\":\"PT1S\"},"
        + "{\"limit\":20,\"window\":\"PT1M\"},{\"limit\":30,\"window\":\"PT1H\"}]}", ADMIN_KEY);
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
    signInAs(ADMIN_KEY);
    go("#/policies/edit/team%3A*");
    waitFor(By.name("rateLimits.2.limit"));

    browser.findElement(By.cssSelector("[aria-label='Remove rate limit 2']")).sendKeys(Keys.ENTER);
    waiting().until(d -> d.findElements(By.cssSelector(".rate-row")).size() == 2);
    assertThat(focused()).isEqualTo("Remove rate limit 2");
    assertThat(browser.findElement(By.name("rateLimits.1.limit")).getAttribute("value")).isEqualTo("30");

    browser.switchTo().activeElement().sendKeys(Keys.ENTER);
    waiting().until(d -> d.findElements(By.cssSelector(".rate-row")).size() == 1);
    assertThat(focused()).isEqualTo("Remove rate limit 1");

    browser.switchTo().activeElement().sendKeys(Keys.ENTER);
    waiting().until(d -> d.findElements(By.cssSelector(".rate-row")).isEmpty());
    assertThat(script("return document.activeElement.dataset.test")).isEqualTo("add-rate");
    assertNoConsoleErrors("removing rate limits");
  }

  private Object focused() {
    return script("return document.activeElement.getAttribute('aria-label')");
  }
}
