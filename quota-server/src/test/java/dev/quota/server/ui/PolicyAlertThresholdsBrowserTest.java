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
}
