package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.server.Polling;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * Budgets whose periods began in the UTC month before, alerted then and still running: a daily
 * budget in Bogotá (UTC-5), whose day runs until 05:00 UTC, and a monthly one resetting on the 15th.
 * The overview finds them at risk, as their alerts are read from as far back as a period still
 * running can have begun. Read from the UTC month's start, their alerts were never found.
 */
class OverviewRiskBeforeMonthStartBrowserTest extends BrowserTestSupport {
  @Test
  void budgetsAlertedBeforeTheUtcMonthStartAreStillFound() throws Exception {
    Instant monthStart = YearMonth.now(ZoneOffset.UTC).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    // The alerts fire an hour before the UTC month starts...
    clock.advance(Duration.between(clock.instant(), monthStart.minus(Duration.ofHours(1))));
    var team = send("PUT", "/v1/policies/team:*?reason=setup",
        "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\",\"timezone\":\"America/Bogota\"},\"alertThresholds\":[0.8]}", ADMIN_KEY);
    assertThat(team.statusCode()).as(team.body()).isBetween(200, 201);
    var project = send("PUT", "/v1/policies/project:*?reason=setup",
        "{\"budget\":{\"currency\":\"USD\",\"monthly\":\"10.00\",\"resetDay\":15},\"alertThresholds\":[0.8]}", ADMIN_KEY);
    assertThat(project.statusCode()).as(project.body()).isBetween(200, 201);
    recordUsage("{\"team\":\"late\"}", "1.20");
    recordUsage("{\"project\":\"atlas\"}", "9.00");
    // ...and both periods still run an hour after it.
    clock.advance(Duration.ofHours(2));
    // Alerts reach the history a moment after the usage that fired them is answered.
    Polling.awaitUntil(Duration.ofSeconds(10), () -> bodyOf("/v1/alerts?subject=team:late").contains("\"exhausted\":true"));
    Polling.awaitUntil(Duration.ofSeconds(10), () -> bodyOf("/v1/alerts?subject=project:atlas").contains("\"threshold\":0.8"));
    assertThat(get("/v1/alerts?subject=team:late").body()).contains("\"exhausted\":true");
    assertThat(get("/v1/alerts?subject=project:atlas").body()).contains("\"threshold\":0.8");

    signInAs(ADMIN_KEY);
    go("#/overview");
    waiting().until(d -> !d.findElement(By.cssSelector("[data-test=stat-budgets]")).getText().equals("…"));
    assertThat(textOf(By.cssSelector("[data-test=stat-budgets]"))).isEqualTo("2");
    assertThat(textOf(By.cssSelector(".stat:has([data-test=stat-budgets]) .sub"))).isEqualTo("1 exhausted");
    String risk = textOf(By.cssSelector("[data-test=risk] tbody"));
    assertThat(risk).contains("team:late").contains("$1.20 / $1.00").contains("exhausted");
    assertThat(risk).contains("project:atlas").contains("$9.00 / $10.00").contains("90%");
    assertThat(browser.findElements(By.cssSelector("[data-test=risk-cut]"))).isEmpty();
    shot("overview-risk-before-month-start");
    assertNoConsoleErrors("overview of budgets alerted in the month before");
  }
}
