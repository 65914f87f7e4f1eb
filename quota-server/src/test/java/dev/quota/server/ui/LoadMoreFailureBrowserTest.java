package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * A next page of the audit log that cannot be fetched leaves the entries already shown where they
 * are and says so beside Load more, with a retry; it replaced the whole list with the error.
 */
class LoadMoreFailureBrowserTest extends BrowserTestSupport {

  @Test
  void aFailedLoadMoreKeepsTheRowsShownAndOffersARetryBesideTheButton() throws Exception {
    openAuditLogOfTwoPages();

    // The next page's request fails on the way, as on a dropped connection.
    script("const original = window.fetch;"
        + "window.fetch = (url, init) => String(url).includes('cursor=')"
        + "  ? Promise.reject(new TypeError('Failed to fetch')) : original(url, init);"
        + "window.restoreFetch = () => { window.fetch = original; };");
    click(By.xpath("//main//button[normalize-space()='Load more']"));

    String error = textOf(By.cssSelector("[data-test=more-error]"));
    assertThat(error).contains("could not be reached");
    assertThat(browser.findElements(TABLE_ROWS)).as("the entries already shown").hasSize(50);
    shot("load-more-failed");

    script("window.restoreFetch();");
    click(By.cssSelector("[data-test=more-error] button"));
    waiting().until(d -> d.findElements(TABLE_ROWS).size() == 51);
    assertThat(browser.findElements(By.cssSelector("[data-test=more-error]"))).isEmpty();
    assertThat(browser.findElements(TABLE_ROWS).get(50).getText()).contains("change-1");
    assertNoConsoleErrors("load more after a failure");
  }
}
