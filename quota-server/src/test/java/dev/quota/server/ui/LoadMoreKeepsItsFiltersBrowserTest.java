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

  @Test
  void aFilterTypedButNotAppliedLeavesTheNextPageAlone() throws Exception {
    openAuditLogOfTwoPages();

    waitFor(By.name("actor")).sendKeys("nobody");
    click(By.xpath("//main//button[normalize-space()='Load more']"));
    waiting().until(d -> d.findElements(TABLE_ROWS).size() == 51);
    assertThat(browser.findElements(TABLE_ROWS).get(50).getText()).contains("change-1");
    assertThat(browser.getCurrentUrl()).doesNotContain("nobody");
    assertNoConsoleErrors("load more with a filter typed");
  }
}
