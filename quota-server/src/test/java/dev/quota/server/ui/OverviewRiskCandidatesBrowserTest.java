package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * More subjects near their budgets than the overview reads the live usage of (25): the exhausted
 * ones are read first, though their alerts are older than those of the merely near ones, and the
 * panel says that it read only part of them. The exhausted ones were dropped, unsaid, for the 25
 * newest alerts, and the tile counted 25 at risk, none exhausted. The page still asks for one page of
 * alerts and 25 usages, not one per subject.
 */
class OverviewRiskCandidatesBrowserTest extends BrowserTestSupport {
  private static final By BUDGETS_STAT = By.cssSelector("[data-test=stat-budgets]");

  @Test
  void exhaustedBudgetsAreReadBeforeNearOnesAndTheCutIsSaid() throws Exception {
    // Noon, UTC: every alert below falls in the one daily period, whenever the test runs.
    Instant noon = LocalDate.now(ZoneOffset.UTC).atTime(12, 0).toInstant(ZoneOffset.UTC);
    clock.advance(Duration.between(clock.instant(), noon));
    var r = send("PUT", "/v1/policies/team:*?reason=setup",
        "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"},\"alertThresholds\":[0.8]}", ADMIN_KEY);
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
    for (String team : List.of("gone-a", "gone-b", "gone-c")) {
      recordUsage("{\"team\":\"" + team + "\"}", "1.20");
    }
    clock.advance(Duration.ofMinutes(1)); // the near ones' alerts are the newest
    for (int i = 1; i <= 30; i++) {
      recordUsage("{\"team\":\"near-" + String.format("%02d", i) + "\"}", "0.85");
    }

    signInAs(ADMIN_KEY);
    go("#/overview");
    // Loaded afresh, so the requests counted below are those of this one page.
    browser.navigate().refresh();
    waiting().until(d -> !d.findElement(BUDGETS_STAT).getText().equals("…"));
    assertThat(browser.findElement(BUDGETS_STAT).getText()).as("at least 25 budgets at risk").isEqualTo("25+");
    assertThat(textOf(By.cssSelector(".stat:has([data-test=stat-budgets]) .sub"))).startsWith("3 exhausted");
    assertThat(textOf(By.cssSelector("[data-test=risk-cut]"))).contains("25 of the 33 subjects").contains("exhausted first");

    // The exhausted ones lead the table; the table says it shows 10 of the 25 budgets read.
    List<WebElement> rows = browser.findElements(By.cssSelector("[data-test=risk] tbody tr"));
    assertThat(rows).hasSize(10);
    for (int i = 0; i < 3; i++) {
      assertThat(rows.get(i).getText()).contains("team:gone-").contains("exhausted");
    }
    assertThat(rows.get(3).getText()).contains("team:near-").contains("85%");
    assertThat(textOf(By.cssSelector("[data-test=risk-rows-cut]"))).contains("10 of 25 budgets");

    // Few requests, however many subjects: one page of alerts and the usage of 25 subjects.
    assertThat(requestsTo("/v1/alerts")).isEqualTo(1);
    assertThat(requestsTo("/v1/usage/")).isEqualTo(25);
    shot("overview-risk-candidates");
    assertNoConsoleErrors("overview with more subjects at risk than it reads");
  }

  private long requestsTo(String path) {
    return (Long) script("return performance.getEntriesByType('resource')"
        + ".filter((e) => new URL(e.name).pathname.startsWith(arguments[0])).length;", path);
  }
}
