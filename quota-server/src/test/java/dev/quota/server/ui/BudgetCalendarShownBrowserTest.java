package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * A budget's time zone and reset time are named where the budget is shown, the policies list and
 * the subject page, unless they are the default (UTC, from midnight, months from the 1st): a
 * Europe/Berlin day read like a UTC one.
 */
class BudgetCalendarShownBrowserTest extends BrowserTestSupport {
  @Test
  void aBudgetOffTheUtcCalendarSaysWhenItResets() throws Exception {
    put("user:*", "{\"budget\":{\"currency\":\"USD\",\"daily\":\"100\",\"timezone\":\"Europe/Berlin\"}}");
    put("team:*", "{\"budget\":{\"currency\":\"USD\",\"daily\":\"40\"}}");
    put("project:*", "{\"budget\":{\"currency\":\"USD\",\"monthly\":\"500\",\"resetTime\":\"06:30\",\"resetDay\":15}}");
    signInAs(ADMIN_KEY);

    go("#/policies");
    By berlinRow = By.cssSelector("tr[data-selector='user:*']");
    waiting().until(d -> d.findElement(berlinRow).getText().contains("resets 00:00 Europe/Berlin"));
    assertThat(textOf(berlinRow)).contains("$100.00/day");
    assertThat(textOf(By.cssSelector("tr[data-selector='project:*']"))).contains("resets 06:30 UTC, monthly on day 15");
    assertThat(browser.findElement(By.cssSelector("tr[data-selector='team:*']"))
        .findElements(By.cssSelector("[data-test=budget-calendar]"))).isEmpty();
    shot("budget-calendar-01-policies");

    go("#/subjects/user/carla");
    By daily = By.cssSelector("[data-test=usage] .usage[data-kind='budget_daily']");
    waiting().until(d -> d.findElement(daily).getText().contains("resets 00:00 Europe/Berlin"));
    shot("budget-calendar-02-subject");

    go("#/subjects/team/ops");
    waitFor(By.cssSelector("[data-test=usage] .usage[data-kind='budget_daily']"));
    assertThat(browser.findElements(By.cssSelector("[data-test=usage] [data-test=budget-calendar]"))).isEmpty();
    assertNoConsoleErrors("budget calendar");
  }

  private void put(String selector, String policy) throws Exception {
    var r = send("PUT", "/v1/policies/" + java.net.URLEncoder.encode(selector, java.nio.charset.StandardCharsets.UTF_8), policy, ADMIN_KEY);
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
  }
}
