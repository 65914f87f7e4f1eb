package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * A subject id of dots alone ("." or "..") is refused now, but an earlier version accepted it, and
 * such a subject can still be named in stored alerts and links. A browser resolves such a path
 * segment, escaped as %2E or not, before sending: the console asked /v1/usage/ for the usage of
 * user:.. (405) and would have sent its reset to /v1/subjects/reset. No request whose path the
 * browser would change is sent; the page says why instead of showing another path's refusal.
 */
class DotSubjectBrowserTest extends BrowserTestSupport {
  private static final String NOT_SENT = "this request was not sent";

  @Test
  void noRequestOfASubjectNamedWithDotsGoesToAnotherPath() throws Exception {
    var put = send("PUT", "/v1/policies/user:*?reason=setup", "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"}}", ADMIN_KEY);
    assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
    var refused = send("POST", "/v1/usage", "{\"subjects\":{\"user\":\"..\"},\"cost\":\"0.90\"}", ADMIN_KEY);
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
    assertThat(refused.body()).contains("\"field\":\"subjects.user\"");
    signInAs(ADMIN_KEY);
    // Every path the page asks for, as the browser resolves it.
    script("const original = window.fetch; window.asked = [];"
        + "window.fetch = (url, init) => { window.asked.push(new URL(url, location.href).pathname); return original(url, init); };");

    go("#/subjects/user/%2E%2E");
    assertThat(textOf(By.cssSelector("[data-test=usage] .alert-error"))).contains("Not reachable from a browser").contains(NOT_SENT);
    assertThat(textOf(By.cssSelector("main h1"))).isEqualTo("user:..");
    click(By.xpath("//button[text()='Reset counters']"));
    click(By.cssSelector("[data-test=confirm]"));
    waiting().until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector(".backdrop")));
    waiting().until(d -> d.findElement(By.id("toast")).getText().contains(NOT_SENT));
    shot("dot-subject-not-sent");

    @SuppressWarnings("unchecked")
    List<String> asked = (List<String>) script("return window.asked;");
    assertThat(asked).noneMatch(p -> p.startsWith("/v1/usage") || p.startsWith("/v1/subjects"));
    assertNoConsoleErrors("a subject named with dots");
  }
}
