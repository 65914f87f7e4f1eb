package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * Load more continues the list shown, with the filters it was asked for: a filter typed since but
 * not applied waits for Apply. The next page was asked for with whatever the fields held, so it
 * continued another list (or none) under the first.
 */
class LoadMoreKeepsItsFiltersBrowserTest extends BrowserTestSupport {
  private static final By ROWS = By.cssSelector("main tbody tr");

  @Test
  void aFilterTypedButNotAppliedLeavesTheNextPageAlone() throws Exception {
    for (int i = 1; i <= 51; i++) {
      var r = send("PUT", "/v1/policies/team:paged?reason=change-" + i, "{\"concurrency\":" + i + "}", ADMIN_KEY);
      assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
    }
    signInAs(ADMIN_KEY);
    go("#/audit");
    waiting().until(d -> d.findElements(ROWS).size() == 50);

    waitFor(By.name("actor")).sendKeys("nobody");
    click(By.xpath("//main//button[normalize-space()='Load more']"));
    waiting().until(d -> d.findElements(ROWS).size() == 51);
    assertThat(browser.findElements(ROWS).get(50).getText()).contains("change-1");
    assertThat(browser.getCurrentUrl()).doesNotContain("nobody");
    assertNoConsoleErrors("load more with a filter typed");
  }
}
