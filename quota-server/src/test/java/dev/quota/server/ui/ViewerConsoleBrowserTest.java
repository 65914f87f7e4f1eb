package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.WebElement;

/**
 * The console as seen through keys that may not change anything. An admin issues a viewer key bound
 * to {@code user:alice} through the API; the viewer signs in, sees alice's spend, usage and denials
 * and none of bob's, finds no write control on any page it can open, and is told plainly that it
 * may not read {@code user:bob} when it goes there by URL (the server answers 403). Then a service
 * key signs in and sees live usage without cost reports. Screenshots go to
 * {@code target/ui-screenshots/viewer-*.png}.
 */
class ViewerConsoleBrowserTest extends BrowserTestSupport {
  /** The only controls a read-only key may see: navigation, filters, downloads and sign-out. */
  private static final Set<String> READ_ONLY_CONTROLS =
      Set.of("Sign out", "Menu", "Open", "Open reports", "Apply", "Run report", "Download CSV", "Daily", "Monthly", "Retry");

  @Test
  void viewerSeesOnlyItsSubjectAndNoWriteControls() throws Exception {
    try {
      walkThrough();
    } catch (Exception | AssertionError e) {
      shot("viewer-failure");
      throw e;
    }
  }

  private void walkThrough() throws Exception {
    // Set-up through the API as the admin: limits for every user, spend and one denial each for
    // alice and bob, and the two keys.
    HttpResponse<String> policy = send("PUT", "/v1/policies/user:*?reason=limits",
        "{\"rateLimits\":[{\"limit\":5,\"window\":\"PT1M\"}],\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"}}", ADMIN_KEY);
    assertThat(policy.statusCode()).as(policy.body()).isBetween(200, 201);
    commit(reserve("alice", "0.85", 201), "0.85");
    commit(reserve("bob", "0.20", 201), "0.20");
    reserve("alice", "0.70", 429);
    reserve("bob", "0.90", 429);
    String viewerKey = issueKey("{\"name\":\"alice-dashboard\",\"role\":\"viewer\",\"subjects\":[\"user:alice\"]}");
    String serviceKey = issueKey("{\"name\":\"gateway\",\"role\":\"service\"}");

    // 1. The viewer signs in and gets the read-only navigation.
    browser.get(base + "/");
    signIn(viewerKey);
    assertThat(waitFor(By.cssSelector("[data-test=role]")).getText()).isEqualToIgnoringCase("viewer");
    assertThat(textOf(By.cssSelector("[data-test=my-subjects]"))).isEqualTo("user:alice");
    assertThat(browser.findElements(By.cssSelector("nav a")).stream().map(WebElement::getText).toList())
        .containsExactly("Overview", "Subjects", "Reports");

    // 2. The overview counts alice's spend and denial only; bob's stay out of it.
    waitForText(By.cssSelector("[data-test=stat-today]"), "$0.85");
    waitForText(By.cssSelector("[data-test=stat-denials]"), "1");
    // Alice's daily budget is 85 % used: at risk, read from her live usage.
    waitForText(By.cssSelector("[data-test=stat-budgets]"), "1");
    assertThat(textOf(By.cssSelector("[data-test=risk] tbody"))).contains("user:alice").contains("85%");
    assertThat(textOf(By.cssSelector("[data-test=denials] tbody"))).contains("user:alice").doesNotContain("bob");
    waitUntilLoaded();
    assertThat(browser.findElement(By.tagName("main")).getText()).doesNotContain("bob");
    assertNoWriteControls("overview");
    shot("viewer-01-overview");

    // 3. Alice's page: live usage and cost, and nothing to reset or override.
    go("#/subjects/user/alice");
    waitForAttribute(By.cssSelector(".usage[data-kind=rate]"), "data-used", "1");
    waitForText(By.cssSelector("[data-test=cost-30d]"), "$0.85");
    assertThat(textOf(By.cssSelector(".usage[data-kind=budget_daily] [data-test=remaining]"))).isEqualTo("$0.15 left");
    waitUntilLoaded();
    assertNoWriteControls("alice's subject page");
    shot("viewer-02-subject-alice");

    // 4. The report offers alice only.
    go("#/reports");
    waitForText(By.cssSelector("[data-test=report-total]"), "$0.85");
    assertThat(browser.findElements(By.cssSelector("select[name=subject] option")).stream().map(WebElement::getText).toList())
        .containsExactly("user:alice");
    assertNoWriteControls("reports");
    shot("viewer-03-reports");
    assertNoConsoleErrors("viewer pages");

    // 5. Bob's page by URL: the server refuses, the page says so and stops asking.
    go("#/subjects/user/bob");
    WebElement refused = waitFor(By.cssSelector("[data-test=not-allowed]"));
    assertThat(refused.getText()).contains("Not allowed").contains("user:bob").contains("user:alice");
    assertThat(browser.findElements(By.cssSelector(".usage"))).isEmpty();
    assertNoWriteControls("bob's subject page");
    shot("viewer-04-subject-bob-refused");
    // Chromium logs the refused fetch; it is the only one, because the page makes no further calls.
    assertNoConsoleErrorsExcept("bob's subject page", "/v1/usage/user/bob", "status of 403");

    // 6. Admin pages by URL are not offered either.
    for (String page : List.of("overrides", "audit", "alerts", "policies")) {
      go("#/" + page);
      assertThat(waitFor(By.cssSelector("[data-test=not-allowed]")).getText()).contains("not available to viewer keys");
      assertNoWriteControls(page);
    }
    shot("viewer-05-policies-not-available");

    // 7. On a phone-sized screen.
    browser.manage().window().setSize(new Dimension(390, 844));
    go("#/subjects/user/alice");
    waitForText(By.cssSelector("[data-test=cost-30d]"), "$0.85");
    waitUntilLoaded();
    shot("viewer-06-phone-subject");
    scrollTo(By.cssSelector(".chart"));
    shot("viewer-06-phone-subject-chart");
    go("#/subjects/user/bob");
    waitFor(By.cssSelector("[data-test=not-allowed]"));
    shot("viewer-07-phone-refused");
    assertNoConsoleErrorsExcept("phone pages", "/v1/usage/user/bob", "status of 403");
    browser.manage().window().setSize(new Dimension(1280, 1400));

    // 8. A service key: live usage of any subject, no cost reports, nothing to change.
    go("#/overview");
    click(By.xpath("//button[text()='Sign out']"));
    signIn(serviceKey);
    assertThat(waitFor(By.cssSelector("[data-test=role]")).getText()).isEqualToIgnoringCase("service");
    assertThat(browser.findElements(By.cssSelector("nav a")).stream().map(WebElement::getText).toList()).containsExactly("Subjects");
    WebElement subject = waitFor(By.id("subject-q"));
    subject.sendKeys("user:bob");
    subject.submit();
    waitForAttribute(By.cssSelector(".usage[data-kind=rate]"), "data-used", "1");
    assertThat(textOf(By.cssSelector("[data-test=no-costs]"))).contains("live usage only");
    assertThat(browser.findElement(By.tagName("main")).getText()).doesNotContain("Cost, last 30 days");
    assertNoWriteControls("service subject page");
    shot("viewer-08-service-subject");
    go("#/reports");
    assertThat(waitFor(By.cssSelector("[data-test=not-allowed]")).getText()).contains("not available to service keys");
    assertNoConsoleErrors("service key");
  }

  /** No visible button or form submit outside the read-only set, and no link to an admin page. */
  private void assertNoWriteControls(String where) {
    // Read in one script: a WebDriver round trip to ask whether each button is shown, and another
    // for its text, added seconds across the pages this walks through.
    @SuppressWarnings("unchecked")
    List<String> controls = (List<String>) script("return [...document.querySelectorAll('button, a.btn, input[type=submit]')]"
        + ".filter(e => { const r = e.getBoundingClientRect();"
        + "  return r.width > 0 && r.height > 0 && e.checkVisibility({checkOpacity: true, checkVisibilityCSS: true}); })"
        + ".map(e => e.innerText.trim());");
    assertThat(controls).as("controls on " + where).isNotEmpty().allSatisfy(t -> assertThat(READ_ONLY_CONTROLS).contains(t));
    assertThat(browser.findElements(By.cssSelector(
        "a[href^='#/policies'], a[href^='#/overrides'], a[href^='#/audit'], a[href^='#/alerts'], a[href*='keys']")))
        .as("links to admin pages on " + where).isEmpty();
  }
}
