package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * A per-request cap is the most one request may cost and keeps no count: the subject page and a
 * combination's show it as that cap, with no amount used, bar or amount left. They showed it as a
 * budget that fills, "$0.00 used" and an empty bar, whatever the subject had spent.
 */
class PerRequestCapBrowserTest extends BrowserTestSupport {
  private static final String CAP = ".usage[data-kind=budget_per_request]";

  @Test
  void theSubjectPageShowsTheCapWithoutUsage() throws Exception {
    put("/v1/policies/user:*?reason=setup", "{\"budget\":{\"currency\":\"USD\",\"daily\":\"10.00\",\"perRequest\":\"0.50\"}}");
    recordUsage("{\"user\":\"dana\"}", "0.40");
    signInAs(ADMIN_KEY);

    go("#/subjects/user/dana");
    waitForAttribute(By.cssSelector(".usage[data-kind=budget_daily]"), "data-used", "0.40");
    assertThat(textOf(By.cssSelector(CAP + " [data-test=cap]"))).isEqualTo("at most $0.50 per request");
    assertShownAsACap(waitFor(By.cssSelector(CAP)), "0.50", "user:*");
    shot("per-request-cap-01-subject");
    assertNoConsoleErrors("a subject with a per-request cap");
  }

  @Test
  void aCombinationShowsThePairsCapWithoutUsage() throws Exception {
    put("/v1/policies/user:*,tool:image_gen?reason=setup", "{\"budget\":{\"currency\":\"USD\",\"perRequest\":\"0.25\"}}");
    recordUsage("{\"user\":\"eve\",\"tool\":\"image_gen\"}", "0.20");
    signInAs(ADMIN_KEY);

    go("#/subjects/user/eve/tool/image_gen");
    String pair = "[data-subject='tool:image_gen,user:eve'] " + CAP;
    assertThat(textOf(By.cssSelector(pair + " [data-test=cap]"))).isEqualTo("at most $0.25 per request");
    assertShownAsACap(waitFor(By.cssSelector(pair)), "0.25", "tool:image_gen,user:*");
    assertNoConsoleErrors("a combination with a per-request cap");
  }

  private static void assertShownAsACap(WebElement row, String limit, String policy) {
    assertThat(row.getAttribute("data-limit")).isEqualTo(limit);
    assertThat(row.getAttribute("data-used")).isNull();
    assertThat(row.findElements(By.cssSelector(".meter, [data-test=remaining]"))).isEmpty();
    assertThat(row.getText()).contains("Per-request cap", policy).doesNotContain("used").doesNotContain("left");
  }

  private void put(String path, String json) throws Exception {
    HttpResponse<String> r = send("PUT", path, json, ADMIN_KEY);
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
  }
}
