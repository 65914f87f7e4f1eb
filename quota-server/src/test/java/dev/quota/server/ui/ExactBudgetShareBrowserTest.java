package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.server.Polling;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * How much of a budget is used is worked out from the exact amounts, as the server's alerts are:
 * 0.09 of 0.10 is 90 %, not the 89 % a binary division gives (0.09 / 0.1 = 0.8999…), and 4.52 of
 * 5.65, the 80 % its alert was raised at, is near its limit on the subject's page too, in words and in
 * the colour of its meter (4.52 / 5.65 * 100 = 79.99…).
 */
class ExactBudgetShareBrowserTest extends BrowserTestSupport {
  @Test
  void theOverviewShowsTheExactShareOfABudget() throws Exception {
    putPolicy("team:*", "0.10");
    recordUsage("{\"team\":\"red\"}", "0.09");

    signInAs(ADMIN_KEY);
    go("#/overview");
    waitForText(By.cssSelector("[data-test=stat-budgets]"), "1");
    String risk = textOf(By.cssSelector("[data-test=risk] tbody"));
    assertThat(risk).contains("team:red").contains("$0.09 / $0.10").contains("90%").doesNotContain("89%");
    assertNoConsoleErrors("overview of a budget at 90 %");
  }

  @Test
  void aBudgetAtEightyPercentIsNearItsLimitOnTheSubjectPage() throws Exception {
    putPolicy("team:blue", "5.65");
    recordUsage("{\"team\":\"blue\"}", "4.52");
    // the alert is stored by the dispatcher's thread, after the usage is answered
    Polling.awaitUntil(Duration.ofSeconds(10), () -> alertsOf("team:blue").contains("\"threshold\":0.8"));

    signInAs(ADMIN_KEY);
    go("#/subjects/team/blue");
    By budget = By.cssSelector("[data-test=usage] .usage[data-kind=budget_daily]");
    waitFor(budget);
    assertThat(textOf(budget)).contains("$4.52 used").contains("near limit");
    assertThat(waitFor(By.cssSelector("[data-test=usage] .usage[data-kind=budget_daily] .meter")).getAttribute("class"))
        .contains("meter-near");
    assertNoConsoleErrors("subject page of a budget at 80 %");
  }

  private String alertsOf(String subject) {
    return bodyOf("/v1/alerts?subject=" + subject);
  }

  private void putPolicy(String selector, String daily) throws Exception {
    var r = send("PUT", "/v1/policies/" + selector + "?reason=setup",
        "{\"budget\":{\"currency\":\"USD\",\"daily\":\"" + daily + "\"},\"alertThresholds\":[0.8]}", ADMIN_KEY);
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
  }
}
