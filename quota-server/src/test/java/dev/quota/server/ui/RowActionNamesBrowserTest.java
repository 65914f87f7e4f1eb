package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * Each row's Edit, Delete and Revoke says what it acts on to a screen reader, which lists a page's
 * buttons and links by name alone: the policies, overrides and keys lists named every one of them
 * only "Edit", "Delete" or "Revoke", as the policy form's Remove buttons do not.
 */
class RowActionNamesBrowserTest extends BrowserTestSupport {
  @Test
  void rowActionsNameWhatTheyActOn() throws Exception {
    assertThat(send("PUT", "/v1/policies/team:*", "{\"concurrency\":4}", ADMIN_KEY).statusCode()).isEqualTo(201);
    var o = post("/v1/overrides", "{\"selector\":\"user:zed\",\"bypass\":true,\"duration\":\"PT1H\",\"reason\":\"launch\"}");
    assertThat(o.statusCode()).as(o.body()).isEqualTo(201);
    issueKey("{\"name\":\"gateway\",\"role\":\"service\"}");
    signInAs(ADMIN_KEY);

    go("#/policies");
    assertThat(waitFor(By.cssSelector("tr[data-selector='team:*'] a.btn")).getAccessibleName()).isEqualTo("Edit policy team:*");
    assertThat(browser.findElement(By.cssSelector("tr[data-selector='team:*'] button")).getAccessibleName()).isEqualTo("Delete policy team:*");

    go("#/overrides");
    assertThat(waitFor(By.cssSelector("tr[data-selector='user:zed'] button")).getAccessibleName()).isEqualTo("Revoke override for user:zed");

    go("#/keys");
    assertThat(waitFor(By.cssSelector("tr[data-key=gateway] button")).getAccessibleName()).isEqualTo("Revoke key gateway");
    assertNoConsoleErrors("row action names");
  }
}
