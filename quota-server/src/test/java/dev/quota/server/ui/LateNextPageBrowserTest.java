package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * A next page of the audit log (the alert history's list is the same) that comes back after Apply
 * asked for another list, or refused its filters, is dropped: it belongs to a list no longer shown.
 * It was appended to the new list, or drew the old one again under the refusal.
 */
class LateNextPageBrowserTest extends BrowserTestSupport {
  private static final By LOAD_MORE = By.xpath("//main//button[normalize-space()='Load more']");

  @Test
  void aNextPageAnsweredAfterApplyIsDropped() throws Exception {
    var other = send("PUT", "/v1/policies/team:other?reason=other-change", "{\"concurrency\":1}", ADMIN_KEY);
    assertThat(other.statusCode()).as(other.body()).isEqualTo(201);
    openAuditLogOfTwoPages();

    // The answer of a next page waits until released (a slow network); once the page has read it,
    // lateRead is set, and what the page does with it is done before the test looks again.
    script("const original = window.fetch;"
        + "window.hold = () => { window.lateRead = false; window.held = new Promise((r) => { window.release = r; }); };"
        + "window.fetch = async (url, init) => {"
        + "  const res = await original(url, init);"
        + "  if (!String(url).includes('cursor=')) return res;"
        + "  await window.held;"
        + "  const json = res.json.bind(res);"
        + "  res.json = async () => { const v = await json(); window.lateRead = true; return v; };"
        + "  return res;"
        + "};");

    // Another list applied while the next page of the first is on its way.
    script("window.hold();");
    click(LOAD_MORE);
    WebElement target = waitFor(By.name("target"));
    target.sendKeys("team:other");
    target.submit();
    waiting().until(d -> d.findElements(TABLE_ROWS).size() == 1);
    releaseTheNextPage();
    assertThat(browser.findElements(TABLE_ROWS)).as("the list of team:other only").hasSize(1);
    assertThat(textOf(By.cssSelector("main tbody"))).contains("other-change").doesNotContain("change-1");
    assertThat(browser.findElements(LOAD_MORE)).isEmpty();

    // Filters refused while the next page of the list is on its way: the list stays gone.
    target.clear();
    target.submit();
    waiting().until(d -> d.findElements(TABLE_ROWS).size() == 50);
    script("window.hold();");
    click(LOAD_MORE);
    WebElement from = waitFor(By.name("from"));
    from.sendKeys("tomorrow");
    from.submit();
    WebElement error = waitFor(By.cssSelector("[data-error-for=from]"));
    waiting().until(d -> !error.getText().isBlank());
    releaseTheNextPage();
    assertThat(browser.findElements(TABLE_ROWS)).as("rows under refused filters").isEmpty();
    assertThat(browser.findElements(LOAD_MORE)).isEmpty();
    assertNoConsoleErrors("a late next page");
  }

  private void releaseTheNextPage() {
    script("window.release();");
    waiting().until(d -> Boolean.TRUE.equals(script("return window.lateRead;")));
  }
}
