package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/** A policy's alert thresholds are saved as the form shows them: an empty field means no alerts, never the defaults. */
class PolicyAlertThresholdsBrowserTest extends BrowserTestSupport {
  @Test
  void aPolicyWithoutAlertsKeepsNoneWhenAnotherFieldIsEdited() throws Exception {
    HttpResponse<String> put = send("PUT", "/v1/policies/team:*",
        "{\"budget\":{\"currency\":\"USD\",\"daily\":\"5.00\"},\"alertThresholds\":[]}", ADMIN_KEY);
    assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
    signInAs(ADMIN_KEY);

    go("#/policies/edit/team%3A*");
    WebElement daily = waitFor(By.name("budget.daily"));
    assertThat(browser.findElement(By.name("alertThresholds")).getAttribute("value")).isEmpty();
    daily.clear();
    daily.sendKeys("6.00");
    click(By.cssSelector("[data-test=save-policy]"));
    waitFor(By.cssSelector("tr[data-selector='team:*']"));

    assertThat(get("/v1/policies/team:*").body()).contains("\"daily\":\"6.00\"").contains("\"alertThresholds\":[]");
    assertNoConsoleErrors("policy without alerts saved");
  }

  @Test
  void clearingTheThresholdsTurnsAlertsOff() throws Exception {
    HttpResponse<String> put = send("PUT", "/v1/policies/project:*",
        "{\"budget\":{\"currency\":\"USD\",\"daily\":\"5.00\"},\"alertThresholds\":[0.5]}", ADMIN_KEY);
    assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
    signInAs(ADMIN_KEY);

    go("#/policies/edit/project%3A*");
    WebElement thresholds = waitFor(By.name("alertThresholds"));
    assertThat(thresholds.getAttribute("value")).isEqualTo("0.5");
    thresholds.clear();
    click(By.cssSelector("[data-test=save-policy]"));
    waitFor(By.cssSelector("tr[data-selector='project:*']"));

    assertThat(get("/v1/policies/project:*").body()).contains("\"alertThresholds\":[]");
    assertNoConsoleErrors("alerts turned off");
  }

  @Test
  void aRefusedThresholdIsNamedAsTyped() throws Exception {
    signInAs(ADMIN_KEY);
    go("#/policies/new");
    waitFor(By.name("selector")).sendKeys("team:alerted");
    browser.findElement(By.name("budget.daily")).sendKeys("5.00");
    WebElement thresholds = browser.findElement(By.name("alertThresholds"));
    thresholds.clear();
    thresholds.sendKeys("0.8, 1.5");
    click(By.cssSelector("[data-test=save-policy]"));
    assertThat(errorBeside("alertThresholds")).isEqualTo("1.5: must be a fraction greater than 0 and less than 1");
    assertNoConsoleErrorsExcept("a refused threshold", "/v1/policies/team%3Aalerted", "status of 400");

    // Not a number at all: sent as none, and named as typed.
    thresholds.clear();
    thresholds.sendKeys("0.5, 90%");
    click(By.cssSelector("[data-test=save-policy]"));
    waitForText(By.cssSelector("[data-error-for=alertThresholds]"), "90%: must be a number");
    assertThat(get("/v1/policies/team:alerted").statusCode()).isEqualTo(404);
    assertNoConsoleErrorsExcept("a threshold that is no number", "/v1/policies/team%3Aalerted", "status of 400");
  }
}
