package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * A subject's page is named after its subject in the browser's title, as a combination's is, so
 * tabs open on several subjects tell apart; the picker keeps the page's name.
 */
class SubjectPageTitleBrowserTest extends BrowserTestSupport {
  @Test
  void theTitleNamesTheSubject() throws Exception {
    signInAs(ADMIN_KEY);
    go("#/subjects");
    waitFor(By.id("subject-q"));
    assertThat(browser.getTitle()).isEqualTo("Subjects · Quota console");

    go("#/subjects/user/carol");
    waitFor(By.cssSelector("[data-test=usage]"));
    waiting().until(d -> d.getTitle().equals("user:carol · Quota console"));

    go("#/subjects/user/carol/tool/image_gen");
    waiting().until(d -> d.getTitle().equals("user:carol + tool:image_gen · Quota console"));
    assertNoConsoleErrors("subject page titles");
  }
}
