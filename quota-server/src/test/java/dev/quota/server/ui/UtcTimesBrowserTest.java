package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * The console labels its days UTC, so its times are UTC too and say so, whatever the browser's
 * zone: a browser in Tokyo sees the audit entry, the override's end and the refresh time in UTC,
 * and the audit filters and the override's expiry are read as UTC.
 */
class UtcTimesBrowserTest extends BrowserTestSupport {
  private static final DateTimeFormatter SHOWN =
      DateTimeFormatter.ofPattern("MMM d, yyyy, HH:mm:ss 'UTC'", Locale.US).withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter INPUT = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm").withZone(ZoneOffset.UTC);

  @Test
  void timesAreShownAndReadInUtcInTokyo() throws Exception {
    Instant changedAt = clock.instant();
    Instant expires = changedAt.plus(Duration.ofDays(2)).truncatedTo(ChronoUnit.SECONDS);
    assertThat(post("/v1/overrides", "{\"selector\":\"user:dora\",\"bypass\":true,\"expiresAt\":\"" + expires
        + "\",\"reason\":\"launch day\"}").statusCode()).isEqualTo(201);

    browser.get(base + "/");
    signIn(ADMIN_KEY);
    waitFor(By.cssSelector("[data-test=role]"));
    browser.executeCdpCommand("Emulation.setTimezoneOverride", Map.of("timezoneId", "Asia/Tokyo"));
    try {
      browser.navigate().refresh();
      assertThat(script("return new Date(Date.UTC(2030, 0, 1, 0, 0)).getHours();")).as("Tokyo is 9 hours ahead").isEqualTo(9L);

      Pattern since = Pattern.compile("since \\d{2}:\\d{2} UTC");
      waiting().until(d -> since.matcher(d.findElement(By.tagName("main")).getText()).find());

      go("#/subjects/user/dora");
      assertThat(textOf(By.cssSelector("[data-test=override-in-force]"))).contains("until " + SHOWN.format(expires) + " (in 2 d)");
      Matcher updated = Pattern.compile("Updated (\\d{2}):(\\d{2}):(\\d{2}) UTC")
          .matcher(waiting().until(d -> d.findElement(By.tagName("main")).getText().contains("Updated ")
              ? d.findElement(By.tagName("main")).getText() : null));
      assertThat(updated.find()).isTrue();
      // The page refreshes on the browser's clock; compared as times of day, so a run across UTC
      // midnight does not put the two a day apart.
      long shownSecond = LocalTime.of(Integer.parseInt(updated.group(1)), Integer.parseInt(updated.group(2)),
          Integer.parseInt(updated.group(3))).toSecondOfDay();
      long nowSecond = LocalTime.now(ZoneOffset.UTC).toSecondOfDay();
      long apart = Math.floorMod(nowSecond - shownSecond, 86_400);
      assertThat(Math.min(apart, 86_400 - apart)).as("the refresh time read as UTC").isLessThan(120);

      go("#/audit");
      waitForText(By.cssSelector("main tbody tr td"), SHOWN.format(changedAt));
      String fromLabel = browser.findElement(By.name("from")).getAttribute("id");
      assertThat(textOf(By.cssSelector("label[for='" + fromLabel + "']"))).contains("UTC");
      // From a minute after the change, read as UTC, leaves the change out (read in Tokyo, it would keep it).
      filterAuditFrom(INPUT.format(changedAt.plus(Duration.ofMinutes(1))));
      waiting().until(d -> d.findElement(By.tagName("main")).getText().contains("No audit entry matches these filters."));
      filterAuditFrom(INPUT.format(changedAt.minus(Duration.ofMinutes(1))));
      waitForText(By.cssSelector("main tbody tr td"), SHOWN.format(changedAt));

      go("#/alerts");
      assertThat(textOf(By.cssSelector("label[for='" + browser.findElement(By.name("to")).getAttribute("id") + "']"))).contains("UTC");

      // The new override's expiry is offered, and read, as a UTC time a day ahead.
      go("#/overrides");
      String offered = waitFor(By.cssSelector("[data-test=override-form] input[name=expiresAt]")).getAttribute("value");
      Instant offeredAt = LocalDateTime.parse(offered.replace(' ', 'T')).toInstant(ZoneOffset.UTC);
      assertThat(Duration.between(Instant.now().plus(Duration.ofDays(1)), offeredAt).abs()).isLessThan(Duration.ofMinutes(2));
      shot("utc-times-overrides");
      assertNoConsoleErrors("pages in Tokyo");
    } finally {
      browser.executeCdpCommand("Emulation.setTimezoneOverride", Map.of("timezoneId", ""));
    }
  }

  private void filterAuditFrom(String value) {
    script("arguments[0].value = arguments[1];", waitFor(By.name("from")), value);
    browser.findElement(By.name("from")).submit();
  }
}
