package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * A policy naming two scopes (user:*,tool:image_gen) limits the pair: carol's use of image_gen. The
 * subjects page opens such a combination and shows the pair's counters beside each subject's own,
 * as a request naming them together meets them, live and without consuming anything.
 */
class CombinationUsageBrowserTest extends BrowserTestSupport {
  private static final String PAIR = "[data-subject='tool:image_gen,user:carol']";

  @Test
  void anAdminSeesTheBudgetOfAUserUsingATool() throws Exception {
    put("/v1/policies/user:*,tool:image_gen?reason=setup", "{\"rateLimits\":[{\"limit\":5,\"window\":\"PT1M\"}],\"budget\":{\"currency\":\"USD\",\"daily\":\"2.00\"}}");
    put("/v1/policies/user:*?reason=setup", "{\"budget\":{\"currency\":\"USD\",\"daily\":\"10.00\"}}");
    recordUsage("{\"user\":\"carol\",\"tool\":\"image_gen\"}", "0.30");
    recordUsage("{\"user\":\"carol\",\"tool\":\"web_search\"}", "0.50");
    signInAs(ADMIN_KEY);
    go("#/subjects");

    // One id per scope, as a request names them.
    WebElement q = waitFor(By.id("subject-q"));
    q.sendKeys("user:carol, user:dave");
    click(By.cssSelector("form.filters button[type=submit]"));
    assertThat(textOf(By.id("subject-q-err"))).contains("user is given twice");

    q.clear();
    q.sendKeys("user:carol, tool:image_gen");
    click(By.cssSelector("form.filters button[type=submit]"));
    waiting().until(d -> d.getCurrentUrl().endsWith("#/subjects/user/carol/tool/image_gen"));
    assertThat(textOf(By.cssSelector("h1"))).isEqualTo("user:carol + tool:image_gen");
    waitForAttribute(By.cssSelector(PAIR + " [data-kind=budget_daily]"), "data-used", "0.30");
    assertThat(waitFor(By.cssSelector(PAIR + " [data-kind=budget_daily]")).getAttribute("data-limit")).isEqualTo("2.00");
    waitForAttribute(By.cssSelector(PAIR + " [data-kind=rate]"), "data-used", "1");
    // Carol's own budget counts both tools.
    waitForAttribute(By.cssSelector("[data-subject='user:carol'] [data-kind=budget_daily]"), "data-used", "0.80");
    shot("combination-usage-01");

    // Live: spend on the pair shows up, and the page's own reading consumed no request.
    recordUsage("{\"user\":\"carol\",\"tool\":\"image_gen\"}", "0.20");
    waitForAttribute(By.cssSelector(PAIR + " [data-kind=budget_daily]"), "data-used", "0.50");
    waitForAttribute(By.cssSelector(PAIR + " [data-kind=rate]"), "data-used", "2");

    // A combination no policy names says so, and still shows each subject's own limits.
    go("#/subjects/user/carol/tool/web_search");
    waitFor(By.cssSelector("[data-test=no-combined-policy]"));
    waitForAttribute(By.cssSelector("[data-subject='user:carol'] [data-kind=budget_daily]"), "data-used", "1.00");
    assertNoConsoleErrors("combination usage");
  }

  @Test
  void aViewerIsToldTheCombinationIsNotForItsKey() throws Exception {
    String viewer = issueKey("{\"name\":\"erin-dashboard\",\"role\":\"viewer\",\"subjects\":[\"user:erin\"]}");
    signInAs(viewer);
    go("#/subjects/user/erin/tool/image_gen");
    assertThat(textOf(By.cssSelector("[data-test=not-allowed]"))).contains("admin and service keys");
    assertThat(browser.findElements(By.cssSelector("[data-test=live]"))).isEmpty();
    // Each subject on its own: a link to the one the key may read, only the name of the other,
    // which would answer "Not allowed".
    assertThat(browser.findElements(By.cssSelector("[data-test=not-allowed] a")))
        .extracting(a -> a.getAttribute("href").replaceFirst("^.*#", "#")).containsExactly("#/subjects/user/erin");
    assertThat(textOf(By.cssSelector("[data-test=not-allowed] [data-test=not-readable]"))).isEqualTo("tool:image_gen");
    assertThat(textOf(By.cssSelector("[data-test=not-allowed]"))).contains("outside the subjects this key may read");
    shot("combination-usage-02-viewer");
    assertNoConsoleErrors("a viewer at a combination");
  }

  private void put(String path, String json) throws Exception {
    HttpResponse<String> r = send("PUT", path, json, ADMIN_KEY);
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
  }
}
