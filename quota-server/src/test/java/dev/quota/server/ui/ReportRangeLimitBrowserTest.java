package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The reports form's To is inclusive, so the longest report it can ask for ends 399 days after
 * From. The server's rule is about its exclusive to (the day after To): said beside To, "at most
 * 400 days after from" was refused for a To exactly 400 days after From.
 */
class ReportRangeLimitBrowserTest extends BrowserTestSupport {
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
