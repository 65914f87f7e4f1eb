package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * An override's expiry more than 3650 days ahead, which the API refuses, is refused beside the
 * field before anything is sent, in the API's words; one within the limit is sent and made. The
 * form checked only that the expiry was in the future, and left the rest to the server.
 */
class OverrideMaxExpiryBrowserTest extends BrowserTestSupport {
  private static final DateTimeFormatter TYPED = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);

  @Test
  void anExpiryMoreThan3650DaysAheadIsRefusedBesideTheFieldAndNothingIsSent() throws Exception {
    signInAs(ADMIN_KEY);
    go("#/overrides");
    WebElement expires = waitFor(By.name("expiresAt"));
    waitFor(By.name("selector")).sendKeys("user:methuselah");
    new Select(browser.findElement(By.name("bypass"))).selectByValue("bypass");
    browser.findElement(By.name("reason")).sendKeys("a long sabbatical");
    script("window.sent = []; const original = window.fetch;"
        + "window.fetch = (url, init) => { if (init && init.method === 'POST') window.sent.push(init.body); return original(url, init); };");

    expires.clear();
    expires.sendKeys(TYPED.format(Instant.now().plus(Duration.ofDays(3651))));
    click(By.cssSelector("[data-test=create-override]"));

    assertThat(errorBeside("expiresAt")).isEqualTo("must be at most 3650 days (about 10 years) from now");
    assertThat(expires.getAttribute("aria-invalid")).isEqualTo("true");
    assertThat((List<?>) script("return window.sent;")).as("nothing sent").isEmpty();
    assertThat(get("/v1/overrides").body()).doesNotContain("user:methuselah");
    shot("override-expiry-too-far");

    // A day inside the limit is the server's to judge, and it makes the override.
    expires.clear();
    expires.sendKeys(TYPED.format(Instant.now().plus(Duration.ofDays(3649))));
    click(By.cssSelector("[data-test=create-override]"));
    waitFor(By.cssSelector("tr[data-selector='user:methuselah']"));
    assertThat((List<?>) script("return window.sent;")).hasSize(1);
    assertNoConsoleErrors("an expiry more than 3650 days ahead");
  }
}
