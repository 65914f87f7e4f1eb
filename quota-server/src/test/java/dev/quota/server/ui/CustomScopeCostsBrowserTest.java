package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * A subject of a scope of one's own (org:acme) has its costs reported like a built-in one: its
 * page shows them beside its live usage, the reports page splits them by provider and lists the
 * scope's subjects, and a viewer key bound to it and to a user sees the spend of each (the tests
 * share one server, so each names orgs of its own). Before the
 * ledger kept such subjects for reports, the page said that its costs were not reported.
 */
class CustomScopeCostsBrowserTest extends BrowserTestSupport {
  @Test
  void aSubjectOfACustomScopeShowsItsCostsOnItsPageAndInReports() throws Exception {
    var r = send("PUT", "/v1/policies/org:*?reason=setup", "{\"rateLimits\":[{\"limit\":5,\"window\":\"PT1M\"}]}", ADMIN_KEY);
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
    recordUsage("{\"org\":\"acme\",\"user\":\"erin\",\"provider\":\"openai\"}", "0.25");
    recordUsage("{\"org\":\"acme\",\"user\":\"gus\",\"provider\":\"anthropic\"}", "0.50");
    recordUsage("{\"org\":\"globex\",\"user\":\"hal\",\"provider\":\"openai\"}", "2.00");
    signInAs(ADMIN_KEY);

    go("#/subjects/org/acme");
    waitForAttribute(By.cssSelector("[data-test=usage] .usage[data-kind=rate]"), "data-used", "2");
    waitForText(By.cssSelector("[data-test=cost-30d]"), "0.75");
    assertThat(browser.findElements(By.cssSelector("[data-test=no-costs]"))).isEmpty();
    assertThat(textOf(By.cssSelector("main .page-head p"))).contains("money");
    waitUntilLoaded();
    assertThat(browser.findElements(By.cssSelector("main .alert-error"))).as("errors in place of costs").isEmpty();

    go("#/reports");
    WebElement subject = waitFor(By.name("subject"));
    waitFor(By.cssSelector("[data-test=report-total]"));
    subject.sendKeys("org:acme");
    new Select(browser.findElement(By.name("groupBy"))).selectByValue("provider");
    runReport();
    waitForText(By.cssSelector("[data-test=report-total]"), "0.75");
    assertThat(rowTexts()).hasSize(2).anySatisfy(t -> assertThat(t).contains("anthropic").contains("0.50"))
        .anySatisfy(t -> assertThat(t).contains("openai").contains("0.25"));

    subject.clear();
    subject.sendKeys("org");
    new Select(browser.findElement(By.name("groupBy"))).selectByValue("subject");
    runReport();
    waitForText(By.cssSelector("[data-test=report-total]"), "2.75");
    assertThat(rowTexts()).hasSize(2).anySatisfy(t -> assertThat(t).contains("org:acme").contains("0.75"))
        .anySatisfy(t -> assertThat(t).contains("org:globex").contains("2.00"));
    assertThat(browser.findElements(By.cssSelector("main .alert-error"))).isEmpty();
    assertNoConsoleErrors("a custom scope's costs");
  }

  @Test
  void aViewerOfACustomScopeAndAUserSeesTheSpendOfEach() throws Exception {
    var r = send("PUT", "/v1/policies/org:*?reason=setup", "{\"rateLimits\":[{\"limit\":5,\"window\":\"PT1M\"}]}", ADMIN_KEY);
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
    recordUsage("{\"org\":\"umbrella\",\"user\":\"finn\"}", "0.75");
    recordUsage("{\"org\":\"umbrella\",\"user\":\"gwen\"}", "0.50");
    signInAs(issueKey("{\"name\":\"umbrella-dashboard\",\"role\":\"viewer\",\"subjects\":[\"org:umbrella\",\"user:finn\"]}"));

    go("#/overview");
    // Per subject: a call naming both counts for each, so the two are not added up.
    waitForText(By.cssSelector("[data-test=stat-today]"), "org:umbrella\n1.25\nuser:finn\n0.75");
    waitUntilLoaded();
    assertThat(browser.findElements(By.cssSelector("main .alert-error"))).as("errors in place of spend").isEmpty();

    go("#/reports");
    waitForText(By.cssSelector("[data-test=report-total]"), "1.25");
    assertThat(browser.findElement(By.name("subject")).getAttribute("value")).isEqualTo("org:umbrella");
    assertThat(browser.findElements(By.cssSelector("main .alert-error"))).isEmpty();
    assertNoConsoleErrors("a viewer of a custom scope");
  }

  private List<String> rowTexts() {
    return browser.findElements(By.cssSelector("[data-test=report-row]")).stream().map(WebElement::getText).toList();
  }
}
