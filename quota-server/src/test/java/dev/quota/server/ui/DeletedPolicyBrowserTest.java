package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * A policy deleted by someone else after the list showed it: opening it says that it no longer
 * exists and offers the list again; it offered a Retry, which could only be refused again.
 */
class DeletedPolicyBrowserTest extends BrowserTestSupport {
  private static final By RETRY = By.xpath("//main//button[normalize-space()='Retry']");

  @Test
  void editingAPolicyDeletedSinceTheListWasLoadedOffersTheListInsteadOfARetry() throws Exception {
    put("team:left", 3);
    put("team:stays", 4);
    signInAs(ADMIN_KEY);
    go("#/policies");
    waitFor(By.cssSelector("tr[data-selector='team:left']"));

    var deleted = send("DELETE", "/v1/policies/team:left?reason=theirs", null, ADMIN_KEY);
    assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(204);
    click(By.cssSelector("tr[data-selector='team:left'] a.btn"));

    String gone = textOf(By.cssSelector("[data-test=policy-gone]"));
    assertThat(gone).contains("team:left no longer exists");
    assertThat(browser.findElements(RETRY)).as("a retry that can only fail again").isEmpty();
    shot("policy-gone");
    assertNoConsoleErrorsExcept("opening a deleted policy", "/v1/policies/team%3Aleft", "status of 404");

    click(By.cssSelector("[data-test=reload-policies]"));
    waitFor(By.cssSelector("tr[data-selector='team:stays']"));
    assertThat(browser.getCurrentUrl()).endsWith("#/policies");
    assertThat(browser.findElements(By.cssSelector("tr[data-selector='team:left']"))).isEmpty();
    assertNoConsoleErrors("list after a deleted policy");
  }

  /** Reloading a policy someone changed, when they deleted it meanwhile, ends the same way. */
  @Test
  void reloadingAChangedPolicyThatWasThenDeletedOffersTheList() throws Exception {
    put("project:moving", 3);
    signInAs(ADMIN_KEY);
    go("#/policies/edit/project%3Amoving");
    waitFor(By.name("concurrency"));
    put("project:moving", 9);
    browser.findElement(By.name("concurrency")).sendKeys("0");
    click(By.cssSelector("[data-test=save-policy]"));
    waitFor(By.cssSelector("[data-test=reload-policy]"));
    assertNoConsoleErrorsExcept("stale save", "/v1/policies/project%3Amoving", "status of 412");

    var deleted = send("DELETE", "/v1/policies/project:moving?reason=theirs", null, ADMIN_KEY);
    assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(204);
    click(By.cssSelector("[data-test=reload-policy]"));
    assertThat(textOf(By.cssSelector("[data-test=policy-gone]"))).contains("project:moving no longer exists");
    assertThat(browser.findElements(RETRY)).isEmpty();
    assertNoConsoleErrorsExcept("reloading a deleted policy", "/v1/policies/project%3Amoving", "status of 404");
    click(By.cssSelector("[data-test=reload-policies]"));
    waitFor(By.cssSelector("main table, main .empty"));
    assertThat(browser.getCurrentUrl()).endsWith("#/policies");
  }

  private void put(String selector, int concurrency) throws Exception {
    var r = send("PUT", "/v1/policies/" + selector + "?reason=setup", "{\"concurrency\":" + concurrency + "}", ADMIN_KEY);
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
  }
}
