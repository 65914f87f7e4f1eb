package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * Load more, on the audit log, after changes were recorded since the list was shown. The console
 * asked for the next page by offset, which the new entries had shifted: the entries at the end of
 * the first page were shown again. It now follows the page's cursor and shows each entry once.
 */
class HistoryLoadMoreBrowserTest extends BrowserTestSupport {
  /** The console's page size. */
  private static final int PAGE = 50;

  @Test
  void loadMoreAfterNewEntriesShowsEveryEntryOnce() throws Exception {
    for (int i = 1; i <= PAGE + 2; i++) {
      change("entry-" + i, i);
    }
    signInAs(ADMIN_KEY);
    go("#/audit?target=project:paging");
    waiting().until(d -> d.findElements(By.cssSelector("main tbody tr")).size() == PAGE);
    change("newer-1", 100);
    change("newer-2", 101);

    click(By.xpath("//button[normalize-space()='Load more']"));
    waiting().until(d -> d.findElements(By.cssSelector("main tbody tr")).size() >= PAGE + 2
        && d.findElements(By.xpath("//button[normalize-space()='Load more']")).isEmpty());
    List<String> reasons = browser.findElements(By.cssSelector("main tbody tr")).stream()
        .map(WebElement::getText)
        .map(row -> row.replaceAll("(?s).*\\b(entry-\\d+|newer-\\d+)\\b.*", "$1"))
        .toList();
    assertThat(reasons).hasSize(PAGE + 2).doesNotHaveDuplicates().doesNotContain("newer-1", "newer-2");
    assertThat(reasons.get(0)).isEqualTo("entry-" + (PAGE + 2));
    assertThat(reasons.get(PAGE + 1)).isEqualTo("entry-1");
    assertNoConsoleErrors("load more");
  }

  private void change(String reason, int concurrency) throws Exception {
    int status = send("PUT", "/v1/policies/project:paging?reason=" + reason, "{\"concurrency\":" + concurrency + "}", ADMIN_KEY)
        .statusCode();
    assertThat(status).isBetween(200, 201);
  }
}
