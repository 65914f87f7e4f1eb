package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The override form's expiry takes and shows a time as the rest of the console does, on a 24-hour
 * clock in UTC, in any browser language, and sends the instant typed. It was the browser's date and
 * time field, which Chromium draws on the clock of its language (06:03 PM in American English).
 */
class OverrideExpiryClockBrowserTest extends BrowserTestSupport {
  private static final DateTimeFormatter TYPED = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);

  @Test
  void theExpiryIsA24HourUtcTimeInAmericanEnglish() throws Exception {
    signInAs(ADMIN_KEY);
    browser.executeCdpCommand("Emulation.setLocaleOverride", Map.of("locale", "en-US"));
    try {
      browser.navigate().refresh();
      go("#/overrides");
      WebElement expires = waitFor(By.name("expiresAt"));
      assertThat(expires.getAttribute("type")).as("a field the browser draws in its own clock").isNotEqualTo("datetime-local");
      // Offered a day ahead, written as the console writes times.
      Instant offered = LocalDateTime.parse(expires.getAttribute("value"), TYPED).toInstant(ZoneOffset.UTC);
      assertThat(Duration.between(Instant.now().plus(Duration.ofDays(1)), offered).abs()).isLessThan(Duration.ofMinutes(2));
      assertThat(textOf(By.cssSelector("[data-field=expiresAt] .help"))).contains("24-hour").contains("UTC");

      waitFor(By.name("selector")).sendKeys("user:olga");
      new Select(browser.findElement(By.name("bypass"))).selectByValue("bypass");
      browser.findElement(By.name("reason")).sendKeys("launch day");
      // An afternoon two days ahead, typed on the 12-hour clock: refused beside the field, nothing made.
      Instant end = clock.instant().plus(Duration.ofDays(2)).truncatedTo(ChronoUnit.DAYS).plus(Duration.ofHours(18).plusMinutes(3));
      expires.clear();
      expires.sendKeys(DateTimeFormatter.ofPattern("MM/dd/yyyy, hh:mm a", Locale.US).withZone(ZoneOffset.UTC).format(end));
      click(By.cssSelector("[data-test=create-override]"));
      WebElement error = waitFor(By.cssSelector("[data-error-for=expiresAt]"));
      waiting().until(d -> !error.getText().isBlank());
      assertThat(error.getText()).contains("24-hour").contains("2030-01-31 18:03");
      assertThat(expires.getAttribute("aria-invalid")).isEqualTo("true");
      assertThat(get("/v1/overrides").body()).doesNotContain("user:olga");
      shot("override-expiry-refused");

      // Typed on the 24-hour clock, the request carries that very instant.
      script("window.sent = []; const original = window.fetch;"
          + "window.fetch = (url, init) => { if (init && init.method === 'POST') window.sent.push(init.body); return original(url, init); };");
      expires.clear();
      expires.sendKeys(TYPED.format(end));
      click(By.cssSelector("[data-test=create-override]"));
      waitFor(By.cssSelector("tr[data-selector='user:olga']"));
      String body = (String) script("return window.sent.find((b) => b.includes('user:olga'));");
      assertThat(body).contains("\"expiresAt\":\"" + end.toString().replace("Z", ".000Z") + "\"");
      assertThat(get("/v1/overrides").body()).contains("\"expiresAt\":\"" + end + "\"");
    } finally {
      browser.executeCdpCommand("Emulation.setLocaleOverride", Map.of());
    }
    assertNoConsoleErrors("override expiry");
  }

  /**
   * An expiry of the year 0000, which the browser reads as a time and the API refuses, is refused
   * beside the field for its year, in the words of the form's other time checks, and nothing is sent.
   */
  @Test
  void anExpiryOfTheYear0000IsRefusedForItsYear() throws Exception {
    signInAs(ADMIN_KEY);
    go("#/overrides");
    WebElement expires = waitFor(By.name("expiresAt"));
    waitFor(By.name("selector")).sendKeys("user:zeno");
    new Select(browser.findElement(By.name("bypass"))).selectByValue("bypass");
    browser.findElement(By.name("reason")).sendKeys("year zero");
    script("window.sent = []; const original = window.fetch;"
        + "window.fetch = (url, init) => { if (init && init.method === 'POST') window.sent.push(init.body); return original(url, init); };");
    expires.clear();
    expires.sendKeys("0000-06-01 12:00");
    click(By.cssSelector("[data-test=create-override]"));
    assertThat(errorBeside("expiresAt")).isEqualTo("must be a UTC time in the years 0001 to 9999");
    assertThat(expires.getAttribute("aria-invalid")).isEqualTo("true");
    assertThat((java.util.List<?>) script("return window.sent;")).as("nothing sent").isEmpty();
    assertThat(get("/v1/overrides").body()).doesNotContain("user:zeno");
    assertNoConsoleErrors("an expiry of the year 0000");
  }
}
