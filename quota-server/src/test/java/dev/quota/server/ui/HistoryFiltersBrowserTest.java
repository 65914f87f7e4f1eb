package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/** The audit log's and the alert history's filters: kept in the address, and checked before they are sent. */
class HistoryFiltersBrowserTest extends BrowserTestSupport {
  @Test
  void auditFiltersSurviveAReloadAndTheBackButton() throws Exception {
    assertThat(send("PUT", "/v1/policies/team:*?reason=first", "{\"concurrency\":4}", ADMIN_KEY).statusCode()).isBetween(200, 201);
    assertThat(send("PUT", "/v1/policies/project:*?reason=second", "{\"concurrency\":2}", ADMIN_KEY).statusCode()).isBetween(200, 201);
    signInAs(ADMIN_KEY);
    go("#/audit");
    waitFor(By.cssSelector("main tbody tr"));
    WebElement target = waitFor(By.name("target"));
    target.sendKeys("team:*");
    target.submit();
    waiting().until(d -> d.getCurrentUrl().contains("target=team"));
    waiting().until(d -> d.findElements(By.cssSelector("main tbody tr")).size() == 1);

    browser.navigate().refresh();
    waitForAttribute(By.name("target"), "value", "team:*");
    waiting().until(d -> d.findElements(By.cssSelector("main tbody tr")).size() == 1);
    assertThat(textOf(By.cssSelector("main tbody"))).contains("team:*").doesNotContain("project:*");

    go("#/overview");
    waitFor(By.cssSelector("[data-test=stat-today]"));
    browser.navigate().back();
    waitForAttribute(By.name("target"), "value", "team:*");
    waiting().until(d -> d.findElements(By.cssSelector("main tbody tr")).size() == 1);
    shot("filters-01-audit-after-back");
    assertNoConsoleErrors("audit filters");
  }

  /** The action filter offers the actions the server knows, so none it would refuse can be chosen. */
  @Test
  void theAuditActionFilterChoosesAmongTheKnownActions() throws Exception {
    assertThat(send("PUT", "/v1/policies/tool:*?reason=made", "{\"concurrency\":4}", ADMIN_KEY).statusCode()).isBetween(200, 201);
    assertThat(send("PUT", "/v1/policies/tool:*?reason=changed", "{\"concurrency\":5}", ADMIN_KEY).statusCode()).isEqualTo(200);
    signInAs(ADMIN_KEY);
    go("#/audit?target=tool:*");
    waiting().until(d -> d.findElements(By.cssSelector("main tbody tr")).size() == 2);
    var action = new org.openqa.selenium.support.ui.Select(waitFor(By.name("action")));
    // The console's list follows the server's, which would refuse any other.
    java.util.List<String> offered = action.getOptions().stream().map(o -> o.getAttribute("value")).toList();
    assertThat(offered.get(0)).as("any action").isEmpty();
    assertThat(offered.subList(1, offered.size())).containsExactlyElementsOf(dev.quota.admin.AuditAction.wireNames());
    action.selectByValue("policy.update");
    browser.findElement(By.name("action")).submit();
    waiting().until(d -> d.getCurrentUrl().contains("action=policy.update"));
    waiting().until(d -> d.findElements(By.cssSelector("main tbody tr")).size() == 1);
    assertThat(textOf(By.cssSelector("main tbody"))).contains("changed").doesNotContain("made");
    assertNoConsoleErrors("audit action filter");
  }

  @Test
  void fromLaterThanToIsAValidationMessageNotAnEmptyList() throws Exception {
    signInAs(ADMIN_KEY);
    for (String page : new String[] {"audit", "alerts"}) {
      go("#/" + page);
      waitUntilLoaded();
      script("arguments[0].value = '2030-01-02T00:00'; arguments[1].value = '2030-01-01T00:00';",
          waitFor(By.name("from")), waitFor(By.name("to")));
      browser.findElement(By.name("to")).submit();
      WebElement error = waitFor(By.cssSelector("[data-error-for=to]"));
      waiting().until(d -> !error.getText().isBlank());
      assertThat(error.getText()).contains("From");
      assertThat(browser.findElement(By.tagName("main")).getText()).doesNotContain("matches");
      assertThat(browser.findElement(By.name("to")).getAttribute("aria-invalid")).isEqualTo("true");
      shot("filters-02-" + page + "-from-after-to");
    }
    assertNoConsoleErrors("date range check");
  }

  /** A filter the server refuses is marked beside its field, as the forms do, not offered for a retry that cannot help. */
  @Test
  void aFilterTheServerRefusesIsNamedBesideItsField() throws Exception {
    signInAs(ADMIN_KEY);
    go("#/alerts");
    waitUntilLoaded();
    WebElement subject = waitFor(By.name("subject"));
    subject.sendKeys("User:alice");
    subject.submit();
    WebElement subjectError = waitFor(By.cssSelector("[data-error-for=subject]"));
    waiting().until(d -> !subjectError.getText().isBlank());
    assertThat(subjectError.getText()).contains("lowercase");
    assertThat(subject.getAttribute("aria-invalid")).isEqualTo("true");
    assertThat(browser.findElements(By.xpath("//main//button[normalize-space()='Retry']"))).isEmpty();
    assertNoConsoleErrorsExcept("refused alert filter", "/v1/alerts", "status of 400");
  }

  /**
   * A time of the year 0000, which the browser reads as a time and the API refuses, is refused
   * beside its field before anything is sent, in the words of the console's other time checks: it
   * was sent, and the server's refusal spoke of ISO-8601 instants the field does not take.
   */
  @Test
  void aTimeOfTheYear0000IsRefusedBesideItsFieldBeforeItIsSent() throws Exception {
    signInAs(ADMIN_KEY);
    for (String page : new String[] {"audit", "alerts"}) {
      for (String name : new String[] {"from", "to"}) {
        go("#/" + page);
        waitUntilLoaded();
        script("window.asked = []; const original = window.fetch;"
            + "window.fetch = (url, init) => { window.asked.push(String(url)); return original(url, init); };");
        WebElement input = waitFor(By.name(name));
        input.sendKeys("0000-12-31 23:59");
        input.submit();
        WebElement error = waitFor(By.cssSelector("[data-error-for=" + name + "]"));
        waiting().until(d -> !error.getText().isBlank());
        assertThat(error.getText()).as(page + " " + name).isEqualTo("must be a UTC time in the years 0001 to 9999");
        assertThat(input.getAttribute("aria-invalid")).as(page + " " + name).isEqualTo("true");
        assertThat(browser.findElements(By.xpath("//main//button[normalize-space()='Retry']"))).isEmpty();
        assertThat((java.util.List<?>) script("return window.asked;")).as(page + " " + name + ": nothing sent").isEmpty();
      }
    }
    // Bookmarked so, the filter is refused as the page opens.
    go("#/audit?from=0000-06-01T00:00");
    WebElement error = waitFor(By.cssSelector("[data-error-for=from]"));
    waiting().until(d -> !error.getText().isBlank());
    assertThat(error.getText()).isEqualTo("must be a UTC time in the years 0001 to 9999");
    shot("filters-03-year-0000");
    assertNoConsoleErrors("a time of the year 0000");
  }
}
