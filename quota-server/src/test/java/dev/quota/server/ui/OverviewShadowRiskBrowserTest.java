package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * A budget in shadow mode past its limit is listed among the budgets at risk, marked as over in
 * shadow, as the subject page marks it: it refuses nothing, so it is not counted as exhausted.
 */
class OverviewShadowRiskBrowserTest extends BrowserTestSupport {
  @Test
  void aShadowBudgetPastItsLimitIsNotCalledExhausted() throws Exception {
    assertThat(send("PUT", "/v1/policies/team:*", "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"}}", ADMIN_KEY).statusCode()).isEqualTo(201);
    assertThat(send("PUT", "/v1/policies/project:*", "{\"mode\":\"shadow\",\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"}}", ADMIN_KEY).statusCode())
        .isEqualTo(201);
    recordUsage("{\"team\":\"red\"}", "1.50");
    recordUsage("{\"project\":\"lab\"}", "1.50");
    signInAs(ADMIN_KEY);

    go("#/overview");
    waitForText(By.cssSelector("[data-test=stat-budgets]"), "2");
    assertThat(textOf(By.cssSelector(".stat:has([data-test=stat-budgets]) .sub"))).isEqualTo("1 exhausted");
    String team = textOf(By.xpath("//*[@data-test='risk']//tr[.//a[text()='team:red']]"));
    String project = textOf(By.xpath("//*[@data-test='risk']//tr[.//a[text()='project:lab']]"));
    assertThat(team).contains("$1.50 / $1.00").contains("exhausted");
    assertThat(project).contains("$1.50 / $1.00").contains("over (shadow)").doesNotContain("exhausted");
    shot("overview-shadow-risk");
    assertNoConsoleErrors("overview with a shadow budget over its limit");
  }
}
