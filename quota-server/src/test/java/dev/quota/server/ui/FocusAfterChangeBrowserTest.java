package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;

/**
 * A keyboard user keeps their place after a change: when the button they pressed goes away (a
 * saved form replaced by the list, a deleted row), focus moves to the page's main area, so the next
 * Tab goes on inside the page rather than back to the skip link and the navigation.
 */
class FocusAfterChangeBrowserTest extends BrowserTestSupport {
  @Test
  void focusStaysInThePageAfterASaveAndADelete() throws Exception {
    assertThat(send("PUT", "/v1/policies/team:*", "{\"concurrency\":4}", ADMIN_KEY).statusCode()).isEqualTo(201);
    assertThat(send("PUT", "/v1/policies/project:*", "{\"concurrency\":2}", ADMIN_KEY).statusCode()).isEqualTo(201);
    signInAs(ADMIN_KEY);

    // Saved with Enter in the form: the list replaces the form.
    go("#/policies/edit/team%3A*");
    waitFor(By.name("concurrency")).sendKeys(Keys.BACK_SPACE, "5", Keys.ENTER);
    waitFor(By.cssSelector("tr[data-selector='team:*']"));
    waiting().until(d -> "main".equals(script("return document.activeElement.id")));

    // Deleted from the list with the keyboard: the row and its button are gone.
    browser.findElement(By.cssSelector("tr[data-selector='project:*'] button")).sendKeys(Keys.ENTER);
    waitFor(By.cssSelector("[data-test=confirm]")).sendKeys(Keys.ENTER);
    waiting().until(d -> d.findElements(By.cssSelector("tr[data-selector='project:*']")).isEmpty());
    waiting().until(d -> "main".equals(script("return document.activeElement.id")));
    // The next Tab reaches the page's first control, not the skip link.
    browser.switchTo().activeElement().sendKeys(Keys.TAB);
    assertThat(script("return document.activeElement.closest('main') !== null")).isEqualTo(true);
    assertThat(get("/v1/policies/team:*").body()).contains("\"concurrency\":5");
    assertNoConsoleErrors("focus after changes");
  }
}
