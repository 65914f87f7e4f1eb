package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

/** The reports page: what it charts, what it names a download, and what it shows after a refused run. */
class ReportsBrowserTest extends BrowserTestSupport {
  @Test
  void withFromAndToClearedTheChartAndTheCsvNameFollowTheRangeTheServerUsed() throws Exception {
    recordUsage("{\"user\":\"dave\"}", "0.42");
    signInAs(ADMIN_KEY);
    go("#/reports");
    waitForText(By.cssSelector("[data-test=report-total]"), "$0.42");
    script("arguments[0].value = ''; arguments[1].value = '';", browser.findElement(By.name("from")), browser.findElement(By.name("to")));
    runReport();
    waitForText(By.cssSelector("[data-test=report-total]"), "$0.42");

    // The server's default: the 30 UTC days up to and including today.
    LocalDate today = clock.instant().atZone(ZoneOffset.UTC).toLocalDate();
    List<WebElement> bars = waiting().until(d -> {
      List<WebElement> found = d.findElements(By.cssSelector(".chart rect.bar"));
      return found.isEmpty() ? null : found;
    });
    assertThat(bars).hasSize(30);
    assertThat(bars.get(29).getAttribute("textContent")).startsWith(today.toString()).contains("$0.42");
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
    waitForText(By.cssSelector("[data-test=report-total]"), "$0.64");
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

  /** Runs the report and waits until the previous run's figures are gone, so what is read next is the new run's. */
  private void runReport() {
    List<WebElement> before = browser.findElements(By.cssSelector("[data-test=report-total]"));
    click(By.xpath("//button[text()='Run report']"));
    if (!before.isEmpty()) {
      waiting().until(ExpectedConditions.stalenessOf(before.get(0)));
    }
  }
}
