package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * The subject page says when a budget off the UTC calendar resets to every key that may read the
 * subject, not only to admin keys, which alone may read the policies: a viewer of one user and a
 * service key read it from the subject's usage, the policy's calendar and that of an override in
 * its place alike.
 */
class BudgetCalendarForReadOnlyKeysBrowserTest extends BrowserTestSupport {
  private static final By DAILY = By.cssSelector("[data-test=usage] .usage[data-kind='budget_daily'] [data-test=budget-calendar]");
  private static final By MONTHLY = By.cssSelector("[data-test=usage] .usage[data-kind='budget_monthly'] [data-test=budget-calendar]");

  @Test
  void aViewerAndAServiceKeySeeWhenTheBudgetResets() throws Exception {
    var r = send("PUT", "/v1/policies/user:*", "{\"budget\":{\"currency\":\"USD\",\"daily\":\"100\",\"monthly\":\"900\","
        + "\"timezone\":\"Europe/Berlin\",\"resetTime\":\"06:00\",\"resetDay\":15}}", ADMIN_KEY);
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
    r = post("/v1/overrides", "{\"selector\":\"user:dora\",\"duration\":\"PT1H\",\"reason\":\"launch\","
        + "\"limits\":{\"budget\":{\"currency\":\"USD\",\"daily\":\"200\",\"timezone\":\"America/New_York\",\"resetTime\":\"09:30\"}}}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    String viewerKey = issueKey("{\"name\":\"carla-dashboard\",\"role\":\"viewer\",\"subjects\":[\"user:carla\",\"user:dora\"]}");
    String serviceKey = issueKey("{\"name\":\"calendar-gateway\",\"role\":\"service\"}");

    signInAs(viewerKey);
    go("#/subjects/user/carla");
    waitForText(DAILY, "resets 06:00 Europe/Berlin");
    assertThat(textOf(MONTHLY)).isEqualTo("resets 06:00 Europe/Berlin, monthly on day 15");
    shot("budget-calendar-read-only-01-viewer");

    go("#/subjects/user/dora");
    waitFor(By.cssSelector("[data-test=override-in-force]"));
    waitForText(DAILY, "resets 09:30 America/New_York");
    assertThat(browser.findElements(MONTHLY)).as("the override sets no monthly budget").isEmpty();
    assertNoConsoleErrors("budget calendar for a viewer");

    signInAs(serviceKey);
    go("#/subjects/user/erik");
    waitForText(DAILY, "resets 06:00 Europe/Berlin");
    assertThat(textOf(MONTHLY)).isEqualTo("resets 06:00 Europe/Berlin, monthly on day 15");
    assertNoConsoleErrors("budget calendar for a service key");
  }
}
