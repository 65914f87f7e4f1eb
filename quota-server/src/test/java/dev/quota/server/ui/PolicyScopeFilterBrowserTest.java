package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The policy list's scope filter offers the scopes of one's own that policies name (org), as it
 * does the built-in ones: policies treat them alike. It offered only user, team, project, tool
 * and provider, so an org's policies could not be listed on their own.
 */
class PolicyScopeFilterBrowserTest extends BrowserTestSupport {
  @Test
  void theScopeFilterOffersAndFiltersByACustomScope() throws Exception {
    for (String selector : List.of("org:*", "org:acme,tool:*", "user:*")) {
      var r = send("PUT", "/v1/policies/" + selector + "?reason=setup", "{\"concurrency\":2}", ADMIN_KEY);
      assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
    }
    signInAs(ADMIN_KEY);
    go("#/policies");
    waitFor(By.cssSelector("tr[data-selector='user:*']"));

    Select scope = new Select(browser.findElement(By.cssSelector("select[aria-label=Scope]")));
    assertThat(scope.getOptions().stream().map(WebElement::getText).toList())
        .containsExactly("All scopes", "user", "team", "project", "tool", "provider", "org");
    scope.selectByValue("org");
    waiting().until(d -> d.findElements(TABLE_ROWS).size() == 2);
    assertThat(browser.findElements(TABLE_ROWS).stream().map(e -> e.getAttribute("data-selector")).toList())
        .containsExactly("org:*", "org:acme,tool:*");
    assertNoConsoleErrors("policy scope filter");
  }
}
