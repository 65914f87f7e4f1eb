package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.quota.jdbc.WebhookRef;
import dev.quota.server.config.ServerConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.WebElement;

/**
 * Drives the management console in real headless Chromium against a real server (in-memory counters,
 * H2 ledger in a temporary data directory): sign in, create a policy in the form, watch the usage
 * bars move as reservations are made through the API, exhaust the limit, create an override and
 * open the report; then the overview's denials, the alert's delivery to each of two webhooks (real
 * receivers on loopback ports, one acknowledging, one refusing) and the expired overrides. Every
 * step leaves a screenshot in {@code target/ui-screenshots/}, and the browser console must stay free
 * of errors throughout.
 */
class ConsoleBrowserTest extends BrowserTestSupport {
  private HttpServer receivers;
  private String acknowledging;
  private String refusing;

  @Override
  List<ServerConfig.Webhook> webhooks() throws IOException {
    receivers = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receivers.createContext("/acknowledges", ex -> answer(ex, 204));
    receivers.createContext("/refuses", ex -> answer(ex, 500));
    receivers.start();
    String base = "http://127.0.0.1:" + receivers.getAddress().getPort();
    acknowledging = base + "/acknowledges";
    refusing = base + "/refuses";
    return List.of(new ServerConfig.Webhook(acknowledging, "whsec-console-a"), new ServerConfig.Webhook(refusing, "whsec-console-b"));
  }

  private static void answer(HttpExchange ex, int status) throws IOException {
    ex.getRequestBody().readAllBytes();
    ex.sendResponseHeaders(status, -1);
    ex.close();
  }

  @AfterAll
  void stopReceivers() {
    if (receivers != null) {
      receivers.stop(0);
    }
  }

  @Test
  void operatorWalksThroughTheConsole() throws Exception {
    try {
      walkThrough();
    } catch (Exception | AssertionError e) {
      shot("failure");
      throw e;
    }
  }

  private void walkThrough() throws Exception {
    // 1. Sign in with the admin key typed into the page.
    browser.get(base + "/");
    waitFor(By.id("api-key"));
    shot("01-sign-in");
    signIn(ADMIN_KEY);
    assertThat(waitFor(By.cssSelector("[data-test=role]")).getText()).isEqualToIgnoringCase("admin");
    // No spend yet, so no currency to show it in.
    waitForText(By.cssSelector("[data-test=stat-today]"), "0.00");
    shot("02-overview");
    assertNoConsoleErrors("sign-in");

    // 2. Create a policy in the form; a bad amount first, which the server names beside the field.
    go("#/policies/new");
    waitFor(By.name("selector")).sendKeys("user:*");
    click(By.cssSelector("[data-test=add-rate]"));
    waitFor(By.name("rateLimits.0.limit")).sendKeys("5");
    browser.findElement(By.name("budget.daily")).sendKeys("-3");
    browser.findElement(By.name("budget.monthly")).sendKeys("100.00");
    browser.findElement(By.name("reason")).sendKeys("default limits for every user");
    click(By.cssSelector("[data-test=save-policy]"));
    WebElement dailyError = waitFor(By.cssSelector("[data-error-for='budget.daily']"));
    waiting().until(d -> !dailyError.getText().isBlank());
    assertThat(dailyError.getText()).containsIgnoringCase("negative");
    assertThat(browser.findElement(By.name("budget.daily")).getAttribute("aria-invalid")).isEqualTo("true");
    shot("03-policy-field-error");
    // Chromium logs every 4xx fetch as a console error; the one refused save is expected, nothing else is.
    assertNoConsoleErrorsExcept("policy form", "/v1/policies/user%3A*?reason=", "status of 400");
    assertThat(get("/v1/policies").body()).doesNotContain("user:*");
    WebElement daily = browser.findElement(By.name("budget.daily"));
    daily.clear();
    daily.sendKeys("1.00");
    click(By.cssSelector("[data-test=save-policy]"));
    waitFor(By.cssSelector("tr[data-selector='user:*']"));
    shot("04-policy-created");
    assertThat(get("/v1/policies/user:*").body()).contains("\"limit\":5").contains("\"daily\":\"1");

    // 3. Reservations through the API move the bars on the subject page.
    go("#/subjects/user/alice");
    waitForAttribute(rateBar(), "data-used", "0");
    shot("05-subject-before");
    // 0.30 + 0.30 + 0.25 = 0.85 of the 1.00 daily budget: past the 80 % alert threshold.
    for (int i = 0; i < 3; i++) {
      String id = reserve("alice", "0.30", 201);
      commit(id, i == 2 ? "0.25" : "0.30");
    }
    waitForAttribute(rateBar(), "data-used", "3");
    waitForAttribute(By.cssSelector(".usage[data-kind=budget_daily]"), "data-used", "0.85");
    waitForText(By.cssSelector("[data-test=cost-30d]"), "$0.85");
    assertThat(textOf(By.cssSelector(".usage[data-kind=rate] [data-test=remaining]"))).isEqualTo("2 left");
    shot("06-subject-usage-moved");

    // 4. Exhaust the rate limit: the fifth request is the last one admitted, the sixth is denied.
    reserve("alice", "0.01", 201);
    reserve("alice", "0.01", 201);
    reserve("alice", "0.01", 429);
    waitForAttribute(rateBar(), "data-used", "5");
    waitFor(By.cssSelector(".usage[data-kind=rate] [data-test=exhausted]"));
    String rateClass = waiting().until(d -> d.findElement(rateBar()).getAttribute("class"));
    assertThat(rateClass).contains("is-over");
    shot("07-limit-exhausted");
    assertNoConsoleErrors("live usage");

    // 5. Create an override from the subject page and see it listed.
    click(By.linkText("Override limits"));
    WebElement selector = waitFor(By.name("selector"));
    assertThat(selector.getAttribute("value")).isEqualTo("user:alice");
    // The form says that the policy's other limits do not apply while the override replaces them.
    assertThat(textOf(By.cssSelector("[data-test=replace-note]"))).contains("replace the whole policy").contains("does not apply");
    browser.findElement(By.name("limits.rateLimits")).sendKeys("100");
    browser.findElement(By.name("reason")).sendKeys("demo for the research team");
    click(By.cssSelector("[data-test=create-override]"));
    WebElement row = waitFor(By.cssSelector("tr[data-selector='user:alice']"));
    assertThat(row.getText()).contains("demo for the research team").contains("100 req / 1 min");
    shot("08-override-listed");
    assertThat(reserve("alice", "0.01", 201)).isNotBlank();

    // 6. The report shows what was committed: 0.30 + 0.30 + 0.25.
    go("#/reports");
    waitFor(By.cssSelector("[data-test=report-row]"));
    waitForText(By.cssSelector("[data-test=report-total]"), "$0.85");
    shot("09-report");

    // The overview now has a spender. Alice's budget passed its alert threshold, but the override
    // of step 5 replaced her policy's limits with a rate limit alone: no budget of hers is at risk now.
    go("#/overview");
    waitForText(By.cssSelector("[data-test=stat-today]"), "$0.85");
    waitForText(By.cssSelector("[data-test=stat-budgets]"), "0");
    assertThat(textOf(By.cssSelector(".bar-list a[href='#/subjects/user/alice']"))).isEqualTo("user:alice");
    // The one request refused in step 4 is the server's only denial.
    waitForText(By.cssSelector("[data-test=stat-denials]"), "1");
    assertThat(textOf(By.cssSelector("[data-test=denials] tbody"))).contains("user:alice").contains("Rate");
    shot("09-overview-with-spend");

    // The same console on a phone-sized screen.
    browser.manage().window().setSize(new Dimension(390, 844));
    go("#/subjects/user/alice");
    waitForAttribute(rateBar(), "data-limit", "100");
    shot("10-phone-subject");
    browser.manage().window().setSize(new Dimension(1280, 1400));

    // Each of alice's alerts went to both webhooks: the page shows which one took it and which one gave up.
    waiting().until(d -> {
      String alerts = alertsJson();
      return alerts.contains("\"state\":\"partial\"") && !alerts.contains("\"state\":\"pending\"");
    });
    go("#/alerts");
    WebElement took = waitFor(By.cssSelector("[data-test=webhook-states] li[data-webhook='" + WebhookRef.of(acknowledging).id() + "']"));
    assertThat(took.getAttribute("data-state")).isEqualTo("delivered");
    assertThat(took.getText()).contains("/acknowledges").contains("delivered");
    WebElement gaveUp = browser.findElement(By.cssSelector("[data-test=webhook-states] li[data-webhook='" + WebhookRef.of(refusing).id() + "']"));
    assertThat(gaveUp.getAttribute("data-state")).isEqualTo("failed");
    assertThat(gaveUp.getText()).contains("/refuses").contains("failed");
    // What happened is shown, not only on hover: attempts, the last error, when it was delivered.
    assertThat(gaveUp.findElement(By.cssSelector("[data-test=webhook-detail]")).getText()).contains("2 attempts").contains("answered 500");
    assertThat(took.findElement(By.cssSelector("[data-test=webhook-detail]")).getText()).contains("1 attempt").contains("delivered ").contains(" UTC");
    assertThat(textOf(By.cssSelector("main tbody"))).contains("partial");
    shot("11-alerts-per-webhook");

    for (String page : List.of("alerts", "audit", "overrides", "policies")) {
      go("#/" + page);
      waitUntilLoaded();
      shot("11-" + page);
    }
    assertThat(browser.findElement(By.tagName("main")).getText()).contains("user:*");

    // An override that ran out yesterday (made with the server clock turned back two days) is left
    // out of the list until "Show expired" is ticked, and then it cannot be revoked.
    clock.advance(Duration.ofDays(-2));
    String yesterday = clock.instant().plus(Duration.ofDays(1)).toString();
    assertThat(post("/v1/overrides", "{\"selector\":\"team:research\",\"bypass\":true,\"expiresAt\":\"" + yesterday
        + "\",\"reason\":\"offsite hackathon\"}").statusCode()).isEqualTo(201);
    clock.advance(Duration.ofDays(2));
    go("#/overrides");
    waitFor(By.cssSelector("tr[data-selector='user:alice']"));
    assertThat(browser.findElements(By.cssSelector("tr[data-selector='team:research']"))).isEmpty();
    click(By.id("show-expired"));
    WebElement expired = waitFor(By.cssSelector("tr[data-selector='team:research']"));
    assertThat(expired.getText()).contains("expired").contains("offsite hackathon").doesNotContain("Revoke");
    assertThat(textOf(By.cssSelector("tr[data-selector='user:alice']"))).contains("Revoke").doesNotContain("expired");
    shot("12-overrides-show-expired");
    assertNoConsoleErrors("whole walk-through");
  }

  private String alertsJson() {
    return bodyOf("/v1/alerts?subject=user:alice");
  }

  private static By rateBar() {
    return By.cssSelector(".usage[data-kind=rate]");
  }
}
