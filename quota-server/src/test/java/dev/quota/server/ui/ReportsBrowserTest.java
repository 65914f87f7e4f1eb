package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/** The reports page: what it charts, what it names a download, and what it shows after a refused run. */
class ReportsBrowserTest extends BrowserTestSupport {
  @Test
  void withFromAndToClearedTheChartAndTheCsvNameFollowTheRangeTheServerUsed() throws Exception {
    // No budget prices this spend: it is shown in no currency.
    recordUsage("{\"user\":\"dave\"}", "0.42");
    signInAs(ADMIN_KEY);
    go("#/reports");
    waitForText(By.cssSelector("[data-test=report-total]"), "0.42");
    script("arguments[0].value = ''; arguments[1].value = '';", browser.findElement(By.name("from")), browser.findElement(By.name("to")));
    runReport();
    waitForText(By.cssSelector("[data-test=report-total]"), "0.42");

    // The server's default: the 30 UTC days up to and including today.
    LocalDate today = clock.instant().atZone(ZoneOffset.UTC).toLocalDate();
    List<WebElement> bars = waiting().until(d -> {
      List<WebElement> found = d.findElements(By.cssSelector(".chart rect.bar"));
      return found.isEmpty() ? null : found;
    });
    assertThat(bars).hasSize(30);
    assertThat(bars.get(29).getAttribute("textContent")).startsWith(today.toString()).contains(": 0.42");
    shot("reports-01-cleared-range");

    // The download is caught at the link the page clicks, before the browser saves anything.
    script("window.downloads = []; HTMLAnchorElement.prototype.click = function () { window.downloads.push(this.download); };");
    click(By.cssSelector("[data-test=csv]"));
    String name = (String) waiting().until(d -> script("return window.downloads[0];"));
    assertThat(name).isEqualTo("quota-costs-day-" + today.minusDays(29) + "-to-" + today + ".csv");
    assertNoConsoleErrors("report with a cleared range");
  }

  @Test
  void aRunRefusedForItsSubjectLeavesNoTotalsOrChartOfThePreviousRun() throws Exception {
    recordUsage("{\"user\":\"erin\"}", "0.64");
    signInAs(ADMIN_KEY);
    go("#/reports");
    WebElement subject = waitFor(By.name("subject"));
    subject.sendKeys("user:erin");
    runReport();
    waitForText(By.cssSelector("[data-test=report-total]"), "0.64");
    waitFor(By.cssSelector(".chart"));

    subject.clear();
    subject.sendKeys("Bad Scope");
    runReport();
    waitFor(By.cssSelector(".alert-error"));
    assertThat(browser.findElements(By.cssSelector("[data-test=report-total]"))).isEmpty();
    assertThat(browser.findElements(By.cssSelector(".chart, .donut"))).isEmpty();
    assertThat(browser.findElements(By.cssSelector("[data-test=report-row]"))).isEmpty();
    shot("reports-02-refused-run");
    assertNoConsoleErrors("refused report run");
  }

  /**
   * A run the form or the server refuses says so beside the field at fault, in the form's terms
   * (To is inclusive; a subject is one field though the API takes scope and id), and offers no
   * retry of the same refused request.
   */
  @Test
  void aRefusedRunNamesTheFieldToFixBesideIt() throws Exception {
    signInAs(ADMIN_KEY);
    go("#/reports");
    waitFor(By.cssSelector("[data-test=report-total]"));
    WebElement from = browser.findElement(By.name("from"));
    WebElement to = browser.findElement(By.name("to"));
    script("arguments[0].value = '2030-03-10'; arguments[1].value = '2030-03-09';", from, to);
    runReport();
    waitForText(By.cssSelector("[data-error-for=to]"), "must not be before From (both days are included)");
    assertThat(to.getAttribute("aria-invalid")).isEqualTo("true");
    assertThat(browser.findElements(By.cssSelector("[data-test=report-total]"))).isEmpty();

    // Fixed dates; a scope alone grouped by provider: the form asks for one subject of it.
    script("arguments[0].value = '2030-03-01'; arguments[1].value = '2030-03-09';", from, to);
    WebElement subject = browser.findElement(By.name("subject"));
    subject.sendKeys("team");
    new org.openqa.selenium.support.ui.Select(browser.findElement(By.name("groupBy"))).selectByValue("provider");
    runReport();
    waitForText(By.cssSelector("[data-error-for=subject]"), "name one subject (team:name) to group its cost by provider");
    assertThat(textOf(By.cssSelector("[data-error-for=to]"))).isEmpty();

    // A refusal only the server knows (an unknown time zone would do; here an identifier with ','),
    // placed beside the subject, with no Retry.
    subject.clear();
    subject.sendKeys("team:a,b");
    runReport();
    waiting().until(d -> textOf(By.cssSelector("[data-error-for=subject]")).contains("must not contain ','"));
    assertThat(browser.findElements(By.xpath("//button[text()='Retry']"))).isEmpty();
    shot("reports-03-field-errors");
    assertNoConsoleErrorsExcept("refused report runs", "/v1/reports/costs", "status of 400");
  }

  /** A download is checked as a run is: what the form or the server refuses is said beside the field, and nothing is saved. */
  @Test
  void aRefusedDownloadNamesTheFieldToFixBesideIt() throws Exception {
    signInAs(ADMIN_KEY);
    go("#/reports");
    waitFor(By.cssSelector("[data-test=report-total]"));
    script("window.downloads = []; HTMLAnchorElement.prototype.click = function () { window.downloads.push(this.download); };");
    WebElement from = browser.findElement(By.name("from"));
    WebElement to = browser.findElement(By.name("to"));
    script("arguments[0].value = '2030-03-10'; arguments[1].value = '2030-03-09';", from, to);
    click(By.cssSelector("[data-test=csv]"));
    waitForText(By.cssSelector("[data-error-for=to]"), "must not be before From (both days are included)");
    assertThat(to.getAttribute("aria-invalid")).isEqualTo("true");

    // Only the server knows this one; it names the API's scope and id, the form its subject.
    script("arguments[0].value = '2030-03-01'; arguments[1].value = '2030-03-09';", from, to);
    browser.findElement(By.name("subject")).sendKeys("team:a,b");
    click(By.cssSelector("[data-test=csv]"));
    waiting().until(d -> textOf(By.cssSelector("[data-error-for=subject]")).contains("must not contain ','"));
    assertThat(textOf(By.cssSelector("[data-error-for=to]"))).isEmpty();
    assertThat(script("return window.downloads.length")).isEqualTo(0L);
    assertThat(browser.findElements(By.cssSelector("#toast.show"))).isEmpty();
    shot("reports-04-refused-download");
    assertNoConsoleErrorsExcept("refused download", "/v1/reports/costs", "status of 400");
  }

  /**
   * The reports form's To is inclusive, so the longest report it can ask for ends 399 days after
   * From. The server's rule is about its exclusive to (the day after To): said beside To, "at most
   * 400 days after from" was refused for a To exactly 400 days after From.
   */
  @Test
  void theLongestRangeIsSaidInTheFormsInclusiveTerms() throws Exception {
    signInAs(ADMIN_KEY);
    go("#/reports");
    waitFor(By.cssSelector("[data-test=report-total]"));
    WebElement from = browser.findElement(By.name("from"));
    WebElement to = browser.findElement(By.name("to"));

    // 400 days after From: a report of 401 days.
    script("arguments[0].value = '2025-10-27'; arguments[1].value = '2026-12-01';", from, to);
    click(By.xpath("//button[text()='Run report']"));
    assertThat(errorBeside("to"))
        .isEqualTo("must be at most 399 days after From (a report covers at most 400 days, both included)");
    assertThat(to.getAttribute("aria-invalid")).isEqualTo("true");
    assertThat(browser.findElements(By.cssSelector("[data-test=report-total]"))).isEmpty();
    shot("reports-range-limit");

    // 399 days after From: the longest report, run.
    script("arguments[0].value = '2025-10-28';", from);
    click(By.xpath("//button[text()='Run report']"));
    waitFor(By.cssSelector("[data-test=report-total]"));
    assertThat(textOf(By.cssSelector("[data-error-for=to]"))).isEmpty();
    assertThat(from.getAttribute("value")).isEqualTo("2025-10-28");
    assertThat(to.getAttribute("value")).isEqualTo("2026-12-01");
    assertNoConsoleErrors("the longest report");
  }
}
