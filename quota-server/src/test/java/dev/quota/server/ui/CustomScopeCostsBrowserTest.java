package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * A subject of a scope of one's own (org:acme) has live usage but no cost reports, which cover the
 * built-in scopes only: its page says so where the costs would be, and a viewer key bound to it and
 * to a user sees the user's spend. The console asked for the reports anyway: the subject page
 * showed three "Invalid request" boxes, each with a Retry that could only be refused again, the
 * viewer's overview showed no spend at all, only those errors, and its reports opened refused.
 */
class CustomScopeCostsBrowserTest extends BrowserTestSupport {
  @Test
  void aSubjectOfACustomScopeShowsItsUsageAndSaysItsCostsAreNotReported() throws Exception {
    var r = send("PUT", "/v1/policies/org:*?reason=setup", "{\"rateLimits\":[{\"limit\":5,\"window\":\"PT1M\"}]}", ADMIN_KEY);
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
    recordUsage("{\"org\":\"acme\",\"user\":\"erin\"}", "0.25");
    signInAs(ADMIN_KEY);

    go("#/subjects/org/acme");
    waitForAttribute(By.cssSelector("[data-test=usage] .usage[data-kind=rate]"), "data-used", "1");
    assertThat(textOf(By.cssSelector("[data-test=no-costs]"))).contains("Cost reports cover the user, team, project, tool and provider scopes");
    assertThat(browser.findElements(By.cssSelector("main .alert-error"))).as("errors in place of costs").isEmpty();
    assertThat(browser.findElements(By.cssSelector("main .loading"))).as("costs waited for").isEmpty();
    assertThat(textOf(By.cssSelector("main .page-head p"))).doesNotContain("money");

    // A built-in scope's page still shows its costs.
    go("#/subjects/user/erin");
    waitForText(By.cssSelector("[data-test=cost-30d]"), "0.25");
    assertThat(browser.findElements(By.cssSelector("[data-test=no-costs]"))).isEmpty();
    assertNoConsoleErrors("a custom scope's subject page");
  }

  @Test
  void aViewerOfACustomScopeAndAUserSeesTheUsersSpend() throws Exception {
    var r = send("PUT", "/v1/policies/org:*?reason=setup", "{\"rateLimits\":[{\"limit\":5,\"window\":\"PT1M\"}]}", ADMIN_KEY);
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
    recordUsage("{\"org\":\"globex\",\"user\":\"finn\"}", "0.75");
    signInAs(issueKey("{\"name\":\"globex-dashboard\",\"role\":\"viewer\",\"subjects\":[\"org:globex\",\"user:finn\"]}"));

    go("#/overview");
    waitForText(By.cssSelector("[data-test=stat-today]"), "0.75");
    waitUntilLoaded();
    assertThat(browser.findElements(By.cssSelector("main .alert-error"))).as("errors in place of spend").isEmpty();

    go("#/reports");
    waitForText(By.cssSelector("[data-test=report-total]"), "0.75");
    assertThat(browser.findElement(By.name("subject")).getAttribute("value")).isEqualTo("user:finn");
    assertThat(browser.findElements(By.cssSelector("main .alert-error"))).isEmpty();
    assertNoConsoleErrors("a viewer of a custom scope");
  }
}
