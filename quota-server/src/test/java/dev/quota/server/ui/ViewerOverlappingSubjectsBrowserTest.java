package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * A viewer key bound to user:alice and team:search, where some of alice's calls also name
 * team:search: those calls are one spend, not two, so the overview must not add the subjects up.
 */
class ViewerOverlappingSubjectsBrowserTest extends BrowserTestSupport {
  @Test
  void overviewDoesNotCountACallTwiceWhenItNamesTwoOfTheViewersSubjects() throws Exception {
    // No budget prices this spend: it is shown in no currency.
    recordUsage("{\"user\":\"alice\"}", "0.50");
    recordUsage("{\"user\":\"alice\",\"team\":\"search\"}", "0.87");
    String viewer = issueKey("{\"name\":\"alice-and-search\",\"role\":\"viewer\",\"subjects\":[\"user:alice\",\"team:search\"]}");
    signInAs(viewer);
    By today = By.cssSelector("[data-test=stat-today]");
    waiting().until(d -> d.findElement(today).getText().contains("0.87"));
    waitUntilLoaded();
    String shown = textOf(today);
    assertThat(shown).doesNotContain("2.24").contains("user:alice").contains("1.37").contains("team:search").contains("0.87");
    assertThat(textOf(By.cssSelector("[data-test=stat-month]"))).doesNotContain("2.24");
    assertThat(browser.findElement(By.tagName("main")).getText()).doesNotContain("2.24");
    shot("overlap-01-viewer-overview");
    assertNoConsoleErrors("viewer overview");
  }
}
