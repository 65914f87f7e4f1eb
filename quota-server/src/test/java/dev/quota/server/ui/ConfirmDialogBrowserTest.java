package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

/** The console's confirmation dialogs for deleting a policy, revoking an override and resetting counters. */
class ConfirmDialogBrowserTest extends BrowserTestSupport {
  @Test
  void aDialogLeftOpenIsClosedByNavigationAndCannotActAfterwards() throws Exception {
    assertThat(send("PUT", "/v1/policies/project:kept?reason=setup", "{\"concurrency\":3}", ADMIN_KEY).statusCode()).isBetween(200, 201);
    signInAs(ADMIN_KEY);
    go("#/policies");
    click(By.cssSelector("tr[data-selector='project:kept'] button"));
    waitFor(By.cssSelector(".modal"));
    browser.navigate().back();
    waiting().until(d -> !d.getCurrentUrl().contains("#/policies"));
    waiting().until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector(".backdrop")));
    assertThat(browser.findElements(By.cssSelector("[data-test=confirm]"))).isEmpty();
    assertThat(get("/v1/policies/project:kept").statusCode()).isEqualTo(200);
    assertNoConsoleErrors("navigation with an open dialog");
  }

  @Test
  void theReasonTypedInTheDialogIsTheReasonTheAuditLogKeeps() throws Exception {
    assertThat(send("PUT", "/v1/policies/project:retired?reason=setup", "{\"concurrency\":3}", ADMIN_KEY).statusCode()).isBetween(200, 201);
    String expires = clock.instant().plus(Duration.ofDays(1)).toString();
    assertThat(post("/v1/overrides", "{\"selector\":\"user:henry\",\"bypass\":true,\"expiresAt\":\"" + expires
        + "\",\"reason\":\"demo\"}").statusCode()).isEqualTo(201);
    signInAs(ADMIN_KEY);

    go("#/policies");
    click(By.cssSelector("tr[data-selector='project:retired'] button"));
    confirmWithReason("deleted in console", "project retired in the March review");
    waiting().until(d -> d.findElements(By.cssSelector("tr[data-selector='project:retired']")).isEmpty());

    go("#/overrides");
    click(By.cssSelector("tr[data-selector='user:henry'] button"));
    confirmWithReason("revoked in console", "demo over early");
    waiting().until(d -> d.findElements(By.cssSelector("tr[data-selector='user:henry']")).isEmpty());

    go("#/subjects/user/henry");
    click(By.xpath("//button[text()='Reset counters']"));
    // An empty reason is not sent: the dialog asks for one.
    WebElement reason = waitFor(By.cssSelector(".modal input[name=reason]"));
    reason.clear();
    click(By.cssSelector("[data-test=confirm]"));
    assertThat(textOf(By.id("modal-reason-error"))).contains("reason");
    confirmWithReason("", "support ticket 4711");
    waiting().until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector(".backdrop")));

    String audit = waiting().until(d -> {
      try {
        String body = get("/v1/audit?limit=50").body();
        return body.contains("support ticket 4711") ? body : null;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    assertThat(audit).contains("project retired in the March review").contains("demo over early").doesNotContain("in console");
    assertNoConsoleErrors("dialogs with reasons");
  }

  /** Checks the dialog's prefilled reason, replaces it and confirms. */
  private void confirmWithReason(String prefilled, String typed) {
    WebElement reason = waitFor(By.cssSelector(".modal input[name=reason]"));
    assertThat(reason.getAttribute("value")).isEqualTo(prefilled);
    reason.clear();
    reason.sendKeys(typed);
    click(By.cssSelector("[data-test=confirm]"));
  }
}
