package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * A subject whose limits come from an override: the subject page says an override is in force,
 * when it ends and where to find it, rather than "no policy applies" or naming a policy that does
 * not exist. A viewer of the subject sees the note too, without the admins' reason.
 */
class SubjectOverrideBrowserTest extends BrowserTestSupport {
  @Test
  void subjectPageNamesTheOverrideInForce() throws Exception {
    assertThat(send("PUT", "/v1/policies/user:*?reason=setup", "{\"rateLimits\":[{\"limit\":5,\"window\":\"PT1M\"}]}", ADMIN_KEY).statusCode())
        .isBetween(200, 201);
    String expires = clock.instant().plus(Duration.ofHours(6)).toString();
    assertThat(post("/v1/overrides", "{\"selector\":\"user:bob\",\"bypass\":true,\"expiresAt\":\"" + expires
        + "\",\"reason\":\"load test\"}").statusCode()).isEqualTo(201);
    assertThat(post("/v1/overrides", "{\"selector\":\"user:frank\",\"bypass\":false,\"limits\":{\"rateLimits\":[{\"limit\":100,\"window\":\"PT1M\"}]},"
        + "\"expiresAt\":\"" + expires + "\",\"reason\":\"launch day\"}").statusCode()).isEqualTo(201);
    signInAs(ADMIN_KEY);

    // A bypass: the policy's limits no longer deny, because of the override, but still count, so
    // the page lists them under the note.
    go("#/subjects/user/bob");
    WebElement bypass = waitFor(By.cssSelector("[data-test=override-in-force]"));
    waitForAttribute(By.cssSelector(".usage[data-kind=rate]"), "data-limit", "5");
    assertThat(bypass.getText()).contains("bypass").contains("still count").contains("load test").contains("in 6 h");
    // The limit says it counts without denying.
    assertThat(textOf(By.cssSelector(".usage[data-kind=rate] [data-test=shadow]"))).isEqualTo("shadow");
    assertThat(bypass.findElement(By.cssSelector("a[href^='#/overrides']")).getText()).isNotBlank();
    assertThat(textOf(By.cssSelector("[data-test=usage]"))).doesNotContain("No policy applies");
    shot("override-01-bypass");

    // Replacement limits: the limit is labelled as the override's, not as a policy user:frank.
    go("#/subjects/user/frank");
    waitForAttribute(By.cssSelector(".usage[data-kind=rate]"), "data-limit", "100");
    assertThat(textOf(By.cssSelector("[data-test=override-in-force]"))).contains("replace").contains("launch day");
    assertThat(textOf(By.cssSelector(".usage[data-kind=rate] .what"))).contains("override").contains("user:frank");
    assertThat(browser.findElements(By.cssSelector("[data-test=shadow]"))).isEmpty();
    shot("override-02-replacement");

    // A subject under the plain policy has no such note.
    go("#/subjects/user/grace");
    waitForAttribute(By.cssSelector(".usage[data-kind=rate]"), "data-limit", "5");
    waitUntilLoaded();
    assertThat(browser.findElements(By.cssSelector("[data-test=override-in-force]"))).isEmpty();
    // Where the note would be, nothing: not even the word a missing element prints as.
    assertThat(textOf(By.tagName("main"))).doesNotContain("null");
    assertNoConsoleErrors("subject pages under overrides");

    // A viewer of bob, who may not list overrides, is told too: without the admins' note, and
    // without a link to a page it may not open.
    signInAs(issueKey("{\"name\":\"bob-dashboard\",\"role\":\"viewer\",\"subjects\":[\"user:bob\"]}"));
    go("#/subjects/user/bob");
    WebElement seenByViewer = waitFor(By.cssSelector("[data-test=override-in-force]"));
    assertThat(seenByViewer.getText()).contains("bypass").contains("in 6 h").doesNotContain("load test");
    assertThat(seenByViewer.findElements(By.cssSelector("a[href^='#/overrides']"))).isEmpty();
    shot("override-03-viewer");
    assertNoConsoleErrors("a viewer's subject page under an override");
  }
}
