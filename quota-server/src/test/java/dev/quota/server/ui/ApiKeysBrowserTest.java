package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/**
 * The API keys page: an admin lists keys (never their secrets), issues one whose secret is shown
 * once, sees the server's refusals beside the field they name, and revokes a key through the
 * confirmation dialog; a viewer neither sees the page in its navigation nor reaches it by URL.
 */
class ApiKeysBrowserTest extends BrowserTestSupport {
  @Test
  void anAdminIssuesAKeySeenOnceAndRevokesIt() throws Exception {
    issueKey("{\"name\":\"gateway\",\"role\":\"service\"}");
    signInAs(ADMIN_KEY);
    click(By.cssSelector("nav a[data-nav=keys]"));
    waitFor(By.cssSelector("tr[data-key=gateway]"));
    // The administrator key is replaced in the server's configuration, not revoked here.
    assertThat(waitFor(By.cssSelector("tr[data-key=admin]")).findElements(By.tagName("button"))).isEmpty();

    // The server's refusals, beside the field they name.
    WebElement name = waitFor(By.name("name"));
    name.sendKeys("bad name");
    click(By.cssSelector("[data-test=issue-key]"));
    assertThat(errorBeside("name")).contains("letters, digits");
    assertThat(name.getAttribute("aria-invalid")).isEqualTo("true");
    assertNoConsoleErrorsExcept("a refused name", "/v1/keys", "status of 400");

    name.clear();
    name.sendKeys("carol-dashboard");
    new Select(browser.findElement(By.name("role"))).selectByValue("viewer");
    WebElement subjects = waitFor(By.name("subjects"));
    subjects.sendKeys("user:carol, User:x");
    click(By.cssSelector("[data-test=issue-key]"));
    assertThat(errorBeside("subjects")).startsWith("User:x: ").contains("lowercase");
    assertNoConsoleErrorsExcept("a refused subject", "/v1/keys", "status of 400");

    // Two entries refused at once: each error is told apart from the other.
    subjects.clear();
    subjects.sendKeys("User:x, team: search");
    click(By.cssSelector("[data-test=issue-key]"));
    waiting().until(d -> errorBeside("subjects").contains("team: search"));
    assertThat(errorBeside("subjects")).startsWith("User:x: ").contains("; team: search: ");
    assertNoConsoleErrorsExcept("two refused subjects", "/v1/keys", "status of 400");

    subjects.clear();
    subjects.sendKeys("user:carol");
    browser.findElement(By.name("reason")).sendKeys("carol's dashboard");
    click(By.cssSelector("[data-test=issue-key]"));

    // The secret, once, with the warning; it is a working viewer key.
    assertThat(textOf(By.cssSelector("[data-test=issued-key]"))).contains("Copy it now: it will not be shown again.");
    String secret = waitFor(By.cssSelector("[data-test=new-key]")).getAttribute("value");
    assertThat(secret).startsWith("qk_");
    HttpResponse<String> whoami = send("GET", "/v1/whoami", null, secret);
    assertThat(whoami.body()).contains("\"role\":\"viewer\"").contains("user:carol");
    assertThat(textOf(By.cssSelector("tr[data-key=carol-dashboard]"))).contains("viewer").contains("user:carol");
    shot("api-keys-01-issued");

    // A name in use is refused beside the name.
    name.sendKeys("gateway");
    new Select(browser.findElement(By.name("role"))).selectByValue("service");
    click(By.cssSelector("[data-test=issue-key]"));
    waiting().until(d -> errorBeside("name").contains("taken"));
    assertNoConsoleErrorsExcept("a taken name", "/v1/keys", "status of 409");
    // A refused attempt leaves the secret shown before: it is shown nowhere else, ever again.
    assertThat(waitFor(By.cssSelector("[data-test=new-key]")).getAttribute("value")).isEqualTo(secret);
    name.clear();
    click(By.cssSelector("[data-test=issue-key]"));
    waiting().until(d -> errorBeside("name").contains("is required"));
    assertThat(waitFor(By.cssSelector("[data-test=new-key]")).getAttribute("value")).isEqualTo(secret);

    // A key issued replaces it; Done takes the note away.
    name.sendKeys("gateway-2");
    click(By.cssSelector("[data-test=issue-key]"));
    waiting().until(d -> !secret.equals(d.findElement(By.cssSelector("[data-test=new-key]")).getAttribute("value")));
    assertThat(browser.findElements(By.cssSelector("[data-test=issued-key]"))).hasSize(1);
    assertThat(browser.getPageSource()).doesNotContain(secret);
    click(By.xpath("//*[@data-test='issued-key']//button[text()='Done']"));
    waiting().until(d -> d.findElements(By.cssSelector("[data-test=issued-key]")).isEmpty());

    // Revoking goes through the confirmation dialog, with a reason for the audit log.
    click(By.cssSelector("tr[data-key=carol-dashboard] button"));
    WebElement reason = waitFor(By.cssSelector(".modal input[name=reason]"));
    assertThat(textOf(By.id("modal-title"))).isEqualTo("Revoke key?");
    reason.clear();
    reason.sendKeys("carol left the project");
    click(By.cssSelector("[data-test=confirm]"));
    waiting().until(d -> d.findElements(By.cssSelector("tr[data-key=carol-dashboard]")).isEmpty());
    assertThat(send("GET", "/v1/whoami", null, secret).statusCode()).isEqualTo(401);
    assertThat(get("/v1/audit?action=key.revoke").body()).contains("carol left the project");
    assertThat(get("/v1/audit?action=key.issue").body()).contains("carol's dashboard").doesNotContain(secret);
    assertNoConsoleErrors("issuing and revoking keys");
  }

  @Test
  void aViewerDoesNotSeeOrReachTheKeysPage() throws Exception {
    String viewer = issueKey("{\"name\":\"dave-dashboard\",\"role\":\"viewer\",\"subjects\":[\"user:dave\"]}");
    signInAs(viewer);
    assertThat(browser.findElements(By.cssSelector("nav a[data-nav=keys]"))).isEmpty();
    go("#/keys");
    waitFor(By.cssSelector("[data-test=not-allowed]"));
    assertThat(browser.findElements(By.cssSelector("[data-test=key-form]"))).isEmpty();
    waiting().until(ExpectedConditions.titleIs("Not allowed · Quota console"));
    assertNoConsoleErrors("a viewer at the keys page");
  }
}
