package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * A next page of the audit log that cannot be fetched leaves the entries already shown where they
 * are and says so beside Load more, with a retry; it replaced the whole list with the error.
 */
class LoadMoreFailureBrowserTest extends BrowserTestSupport {
  private static final By ROWS = By.cssSelector("main tbody tr");

  @Test
  void aFailedLoadMoreKeepsTheRowsShownAndOffersARetryBesideTheButton() throws Exception {
    // 51 entries: one page of 50 and one more.
    for (int i = 1; i <= 51; i++) {
      var r = send("PUT", "/v1/policies/team:paged?reason=change-" + i, "{\"concurrency\":" + i + "}", ADMIN_KEY);
      assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
    }
    signInAs(ADMIN_KEY);
    go("#/audit");
    waiting().until(d -> d.findElements(ROWS).size() == 50);

    // The next page's request fails on the way, as on a dropped connection.
    script("const original = window.fetch;"
        + "window.fetch = (url, init) => String(url).includes('cursor=')"
        + "  ? Promise.reject(new TypeError('Failed to fetch')) : original(url, init);"
        + "window.restoreFetch = () => { window.fetch = original; };");
    click(By.xpath("//main//button[normalize-space()='Load more']"));

    String error = textOf(By.cssSelector("[data-test=more-error]"));
    assertThat(error).contains("could not be reached");
    assertThat(browser.findElements(ROWS)).as("the entries already shown").hasSize(50);
    shot("load-more-failed");

    script("window.restoreFetch();");
    click(By.cssSelector("[data-test=more-error] button"));
    waiting().until(d -> d.findElements(ROWS).size() == 51);
    assertThat(browser.findElements(By.cssSelector("[data-test=more-error]"))).isEmpty();
    assertThat(browser.findElements(ROWS).get(50).getText()).contains("change-1");
    assertNoConsoleErrors("load more after a failure");
  }
}
