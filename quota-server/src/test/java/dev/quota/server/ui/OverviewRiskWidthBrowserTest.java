package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * On a desktop window the overview's table of budgets at risk fits its half-width panel, its State
 * column in view. The Budget column took the room of an id (as a cell holding one does, for the
 * policy named under the budget's kind), and the table overflowed its panel: the "exhausted" chip
 * was cut at the panel's edge, behind a sideways scroll bar.
 */
class OverviewRiskWidthBrowserTest extends BrowserTestSupport {
  @Test
  void theBudgetsAtRiskFitTheirPanelOnADesktop() throws Exception {
    var r = send("PUT", "/v1/policies/user:*?reason=setup", "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"}}", ADMIN_KEY);
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
    recordUsage("{\"user\":\"carol\"}", "1.000000001");
    signInAs(ADMIN_KEY);

    go("#/overview");
    By wrap = By.cssSelector("[data-test=risk] .table-wrap");
    waitFor(By.cssSelector("[data-test=risk] .chip-over"));
    assertThat(script("const w = document.querySelector(arguments[0]); return w.scrollWidth - w.clientWidth", "[data-test=risk] .table-wrap"))
        .as("overflow of the table in its panel, in pixels").isEqualTo(0L);
    assertThat(waitFor(wrap).getText()).contains("exhausted");
    assertNoConsoleErrors("overview at desktop width");
  }
}
