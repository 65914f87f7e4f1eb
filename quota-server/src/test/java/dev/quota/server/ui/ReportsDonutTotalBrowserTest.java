package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * A report split into more groups than the donut has colours draws the smallest together as one
 * "Other" slice: the donut's total is the report's, and each share is of all the spend, not of the
 * nine largest groups alone.
 */
class ReportsDonutTotalBrowserTest extends BrowserTestSupport {
  @Test
  void theDonutOfManyGroupsTotalsTheWholeReport() throws Exception {
    var r = send("PUT", "/v1/policies/user:*?reason=setup", "{\"budget\":{\"currency\":\"USD\",\"monthly\":\"1000.00\"}}", ADMIN_KEY);
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
    // Twelve tools: 1.01 to 1.12, 12.78 in all; the four smallest (4.10) make the other slice.
    for (int i = 1; i <= 12; i++) {
      recordUsage("{\"user\":\"dave\",\"tool\":\"tool_" + i + "\"}", String.format("1.%02d", i));
    }

    signInAs(ADMIN_KEY);
    go("#/reports");
    waitFor(By.cssSelector("[data-test=report-total]"));
    new Select(browser.findElement(By.name("groupBy"))).selectByValue("tool");
    click(By.cssSelector("main form.filters button[type=submit]"));
    waiting().until(d -> d.findElements(By.cssSelector("[data-test=report-row]")).size() == 12);

    assertThat(textOf(By.cssSelector("[data-test=report-total]"))).isEqualTo("$12.78");
    assertThat(textOf(By.cssSelector(".donut .donut-total"))).isEqualTo("$12.78");
    List<WebElement> legend = browser.findElements(By.cssSelector(".legend li"));
    assertThat(legend).hasSize(9);
    assertThat(legend.get(0).getText()).contains("tool_12").contains("$1.12").contains("8.8%");
    assertThat(legend.get(8).getText()).contains("Other (4 tools)").contains("$4.10").contains("32.1%");
    assertNoConsoleErrors("report of twelve tools");
  }
}
