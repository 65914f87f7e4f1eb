package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * An audit entry that changed a policy reads as the fields that changed (added, removed, changed)
 * and both states pretty-printed with those lines marked, not as two minified JSON blobs.
 */
class AuditChangeBrowserTest extends BrowserTestSupport {
  @Test
  void aPolicyChangeShowsWhatChanged() throws Exception {
    put("{\"rateLimits\":[{\"limit\":9007199254740991,\"window\":\"PT1M\"}],\"budget\":{\"currency\":\"USD\",\"daily\":\"10.00\"},\"concurrency\":4}");
    put("{\"rateLimits\":[{\"limit\":9007199254740991,\"window\":\"PT1H\"}],\"budget\":{\"currency\":\"USD\",\"daily\":\"12.50\",\"monthly\":\"100.00\"}}");
    signInAs(ADMIN_KEY);
    go("#/audit?action=policy.update");
    click(By.cssSelector("main tbody tr details summary"));

    List<String> changes = waitFor(By.cssSelector("[data-test=changes]")).findElements(By.tagName("li")).stream()
        .map(li -> li.getAttribute("data-change") + " " + li.getAttribute("data-path")).toList();
    assertThat(changes).containsExactlyInAnyOrder(
        "changed rateLimits[0].window", "changed budget.daily", "added budget.monthly", "removed concurrency");

    WebElement before = browser.findElement(By.cssSelector("[data-side=before] pre"));
    WebElement after = browser.findElement(By.cssSelector("[data-side=after] pre"));
    // Pretty-printed, one field a line, the largest limit digit for digit.
    assertThat(before.getText()).contains("\"limit\": 9007199254740991,").contains("\"daily\": \"10.00\"");
    assertThat(marked(before)).containsExactlyInAnyOrder("\"window\": \"PT1M\"", "\"daily\": \"10.00\",", "\"concurrency\": 4,");
    assertThat(marked(after)).containsExactlyInAnyOrder("\"window\": \"PT1H\"", "\"daily\": \"12.50\",", "\"monthly\": \"100.00\",");
    // The unchanged limit is not marked on either side.
    assertThat(before.findElements(By.cssSelector(".diff-line:not([data-change])")).stream().map(WebElement::getText))
        .anyMatch(t -> t.contains("\"limit\": 9007199254740991"));
    shot("audit-change-01");
    assertNoConsoleErrors("an audit change");
  }

  /** The marked lines' text, without the indentation and the mark. */
  private static List<String> marked(WebElement pre) {
    return pre.findElements(By.cssSelector(".diff-line[data-change]")).stream()
        .map(l -> l.getText().replaceFirst("^[+−~]\\s*", "").trim()).toList();
  }

  private void put(String json) throws Exception {
    HttpResponse<String> r = send("PUT", "/v1/policies/team:*?reason=tuning", json, ADMIN_KEY);
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
  }
}
