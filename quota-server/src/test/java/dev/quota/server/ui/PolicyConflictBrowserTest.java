package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * Two admins at one policy: the console saves and deletes only the version it loaded (If-Match
 * with its ETag), so a change someone made behind the page's back is never overwritten unseen.
 */
class PolicyConflictBrowserTest extends BrowserTestSupport {
  @Test
  void savingAPolicyChangedSinceItWasOpenedShowsTheConflictAndReloadsTheirVersion() throws Exception {
    put("team:shared", "setup", 3);
    signInAs(ADMIN_KEY);
    go("#/policies/edit/team%3Ashared");
    WebElement concurrency = waitFor(By.name("concurrency"));
    assertThat(concurrency.getAttribute("value")).isEqualTo("3");

    put("team:shared", "theirs", 9);
    concurrency.clear();
    concurrency.sendKeys("5");
    browser.findElement(By.name("reason")).sendKeys("mine");
    click(By.cssSelector("[data-test=save-policy]"));

    WebElement conflict = waitFor(By.cssSelector("[data-test=policy-conflict]"));
    assertThat(conflict.getText()).contains("Someone else changed the policy for team:shared after you opened it")
        .contains("not saved");
    shot("policy-conflict");
    assertThat(get("/v1/policies/team:shared").body()).contains("\"concurrency\":9");
    assertThat(get("/v1/audit?target=team:shared").body()).contains("theirs").doesNotContain("mine");
    assertNoConsoleErrorsExcept("stale save", "/v1/policies/team%3Ashared?reason=mine", "status of 412");

    // Reloading shows their version; a change made on it saves.
    click(By.cssSelector("[data-test=reload-policy]"));
    waiting().until(d -> "9".equals(d.findElement(By.name("concurrency")).getAttribute("value")));
    WebElement reloaded = browser.findElement(By.name("concurrency"));
    reloaded.clear();
    reloaded.sendKeys("5");
    browser.findElement(By.name("reason")).sendKeys("mine, on theirs");
    click(By.cssSelector("[data-test=save-policy]"));
    waitFor(By.cssSelector("tr[data-selector='team:shared']"));
    assertThat(get("/v1/policies/team:shared").body()).contains("\"concurrency\":5");
    assertThat(get("/v1/audit?target=team:shared&limit=1").body()).contains("mine, on theirs");
    assertNoConsoleErrors("save after reload");
  }

  @Test
  void savingAPolicyDeletedSinceItWasOpenedCreatesNothingAndLeadsBackToTheList() throws Exception {
    put("user:gone", "setup", 3);
    signInAs(ADMIN_KEY);
    go("#/policies/edit/user%3Agone");
    WebElement concurrency = waitFor(By.name("concurrency"));

    var deleted = send("DELETE", "/v1/policies/user:gone?reason=theirs", null, ADMIN_KEY);
    assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(204);
    concurrency.clear();
    concurrency.sendKeys("5");
    browser.findElement(By.name("reason")).sendKeys("mine");
    click(By.cssSelector("[data-test=save-policy]"));

    WebElement conflict = waitFor(By.cssSelector("[data-test=policy-conflict]"));
    assertThat(conflict.getText()).contains("Deleted by someone else")
        .contains("Someone else deleted the policy for user:gone after you opened it");
    assertThat(get("/v1/policies/user:gone").statusCode()).as("not created again").isEqualTo(404);
    assertThat(get("/v1/audit?target=user:gone").body()).contains("theirs").doesNotContain("mine");
    assertNoConsoleErrorsExcept("save of a deleted policy", "/v1/policies/user%3Agone?reason=mine", "status of 412");

    click(By.cssSelector("[data-test=back-to-policies]"));
    waitUntilLoaded();
    assertThat(browser.getCurrentUrl()).endsWith("#/policies");
    assertThat(browser.findElements(By.cssSelector("tr[data-selector='user:gone']"))).isEmpty();
  }

  @Test
  void deletingAPolicyChangedSinceTheListWasLoadedDeletesNothing() throws Exception {
    put("project:listed", "setup", 3);
    signInAs(ADMIN_KEY);
    go("#/policies");
    waitFor(By.cssSelector("tr[data-selector='project:listed']"));

    put("project:listed", "theirs", 4);
    click(By.cssSelector("tr[data-selector='project:listed'] button"));
    click(By.cssSelector("[data-test=confirm]"));
    waiting().until(d -> d.findElement(By.id("toast")).getText().contains("Someone else changed project:listed"));
    assertThat(textOf(By.id("toast"))).contains("it was not deleted");
    assertThat(get("/v1/policies/project:listed").body()).contains("\"concurrency\":4");
    assertNoConsoleErrorsExcept("stale delete", "/v1/policies/project%3Alisted", "status of 412");

    // The list was loaded again, with the current version: deleting it now deletes.
    waiting().until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector(".backdrop")));
    waitUntilLoaded();
    click(By.cssSelector("tr[data-selector='project:listed'] button"));
    click(By.cssSelector("[data-test=confirm]"));
    waiting().until(d -> d.findElements(By.cssSelector("tr[data-selector='project:listed']")).isEmpty());
    assertThat(get("/v1/policies/project:listed").statusCode()).isEqualTo(404);
    assertNoConsoleErrors("delete after reload");
  }

  /** A change another admin makes through the API, unseen by the page. */
  private void put(String selector, String reason, int concurrency) throws Exception {
    var r = send("PUT", "/v1/policies/" + selector + "?reason=" + reason, "{\"concurrency\":" + concurrency + "}", ADMIN_KEY);
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
  }
}
