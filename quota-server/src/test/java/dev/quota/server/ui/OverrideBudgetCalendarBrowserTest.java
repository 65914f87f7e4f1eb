package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * An override's budget runs on its own calendar, which the API takes with it: the form offers the
 * time zone, reset time and reset day, starting from those of the policy it replaces, so an
 * override of a Berlin budget does not silently start resetting at midnight UTC.
 */
class OverrideBudgetCalendarBrowserTest extends BrowserTestSupport {
  @Test
  void anOverrideKeepsTheCalendarOfTheBudgetItReplaces() throws Exception {
    var r = send("PUT", "/v1/policies/user:berta", "{\"budget\":{\"currency\":\"USD\",\"daily\":\"100\","
        + "\"timezone\":\"Europe/Berlin\",\"resetTime\":\"06:00\",\"resetDay\":15}}", ADMIN_KEY);
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
    signInAs(ADMIN_KEY);
    go("#/overrides/new/user:berta");
    waitForAttribute(By.name("limits.budget.timezone"), "value", "Europe/Berlin");
    assertThat(waitFor(By.name("limits.budget.resetTime")).getAttribute("value")).isEqualTo("06:00");
    assertThat(waitFor(By.name("limits.budget.resetDay")).getAttribute("value")).isEqualTo("15");

    browser.findElement(By.name("limits.budget.daily")).sendKeys("200");
    browser.findElement(By.name("reason")).sendKeys("launch day");
    click(By.cssSelector("[data-test=create-override]"));
    waitFor(By.cssSelector("tr[data-selector='user:berta']"));
    String overrides = get("/v1/overrides").body();
    assertThat(overrides).contains("\"timezone\":\"Europe/Berlin\"").contains("\"resetTime\":\"06:00\"").contains("\"resetDay\":15");
    shot("override-calendar-01-from-policy");
    assertNoConsoleErrors("override budget calendar");
  }

  @Test
  void aSelectorWithoutAPolicyOfItsOwnTakesTheWildcardsCalendarAndOtherwiseUtc() throws Exception {
    var r = send("PUT", "/v1/policies/team:*", "{\"budget\":{\"currency\":\"USD\",\"monthly\":\"900\","
        + "\"timezone\":\"America/New_York\",\"resetTime\":\"09:30\"}}", ADMIN_KEY);
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
    signInAs(ADMIN_KEY);
    go("#/overrides");
    var selector = waitFor(By.name("selector"));
    selector.sendKeys("team:ops");
    browser.findElement(By.name("limits.budget.daily")).click();
    waitForAttribute(By.name("limits.budget.timezone"), "value", "America/New_York");
    assertThat(browser.findElement(By.name("limits.budget.resetTime")).getAttribute("value")).isEqualTo("09:30");

    selector.clear();
    selector.sendKeys("project:none");
    browser.findElement(By.name("limits.budget.daily")).click();
    waitForAttribute(By.name("limits.budget.timezone"), "value", "UTC");
    assertThat(browser.findElement(By.name("limits.budget.resetTime")).getAttribute("value")).isEqualTo("00:00");
    assertThat(browser.findElement(By.name("limits.budget.resetDay")).getAttribute("value")).isEqualTo("1");
    assertNoConsoleErrors("override budget calendar defaults");
  }
}
