package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * An identifier typed with a space at its end is sent as typed, and the server's refusal ('alice '
 * is another identifier than 'alice') is shown beside the field; the console never trims it into
 * the identifier the operator may or may not have meant.
 */
class PaddedIdentifiersBrowserTest extends BrowserTestSupport {
  private static final String RULE = "must not begin or end with whitespace";

  @Test
  void aSelectorWithATrailingSpaceIsRefusedBesideTheFieldAndNothingIsCreated() throws Exception {
    signInAs(ADMIN_KEY);
    go("#/policies/new");
    WebElement selector = waitFor(By.name("selector"));
    selector.sendKeys("user:alice ");
    browser.findElement(By.name("budget.daily")).sendKeys("1.00");
    click(By.cssSelector("[data-test=save-policy]"));

    waiting().until(d -> textOf(By.cssSelector("[data-error-for=selector]")).contains(RULE));
    assertThat(selector.getAttribute("aria-invalid")).isEqualTo("true");
    assertThat(get("/v1/policies").body()).doesNotContain("user:alice");
    shot("padded-01-selector");
    assertNoConsoleErrorsExcept("a padded selector", "/v1/policies/user%3Aalice%20", "status of 400");

    // Without the space, the same form creates the policy.
    selector.clear();
    selector.sendKeys("user:alice");
    click(By.cssSelector("[data-test=save-policy]"));
    waitFor(By.cssSelector("tr[data-selector='user:alice']"));
    assertNoConsoleErrors("the policy created");
  }

  /** A key name holds no whitespace at all: the server's rule for names is the one shown. */
  @Test
  void aKeyNameWithALeadingSpaceIsRefusedBesideTheField() throws Exception {
    signInAs(ADMIN_KEY);
    go("#/keys");
    WebElement name = waitFor(By.name("name"));
    name.sendKeys(" gateway-prod");
    click(By.cssSelector("[data-test=issue-key]"));

    waiting().until(d -> textOf(By.cssSelector("[data-error-for=name]")).contains("must be 1-64 letters, digits"));
    assertThat(browser.findElements(By.cssSelector("[data-test=issued-key]"))).isEmpty();
    assertThat(get("/v1/keys").body()).doesNotContain("gateway-prod");
    assertNoConsoleErrorsExcept("a padded key name", "/v1/keys", "status of 400");
  }

  @Test
  void aReportForASubjectIdWithATrailingSpaceIsRefusedBesideTheSubject() throws Exception {
    recordUsage("{\"user\":\"alice\"}", "0.25");
    signInAs(ADMIN_KEY);
    go("#/reports");
    waitFor(By.cssSelector("[data-test=report-total]"));
    browser.findElement(By.name("subject")).sendKeys("user:alice ");
    click(By.xpath("//button[text()='Run report']"));

    waiting().until(d -> textOf(By.cssSelector("[data-error-for=subject]")).contains(RULE));
    // Alice's own report is not shown in its place.
    assertThat(browser.findElements(By.cssSelector("[data-test=report-total]"))).isEmpty();
    assertNoConsoleErrorsExcept("a padded subject id", "/v1/reports/costs", "status of 400");
  }
}
