package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The pages besides the overview read "now" by the server's clock, as the overview does, not by the
 * browser's: with a browser clock five weeks ahead, an override ending in three hours read "35 d
 * ago", an expiry three days ahead was refused as not in the future, a report's default days were
 * five weeks from now and a subject's "Updated" time was the browser's.
 */
class ServerClockPagesBrowserTest extends BrowserTestSupport {
  private static final DateTimeFormatter TYPED = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);

  @Test
  void overridesReportsAndSubjectsAreReadByTheServersClock() throws Exception {
    var made = post("/v1/overrides", "{\"selector\":\"user:olga\",\"bypass\":true,\"duration\":\"PT3H\",\"reason\":\"launch\"}");
    assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
    signInAs(ADMIN_KEY);
    browserClockAhead(Duration.ofDays(35));

    go("#/overrides");
    waitForText(By.cssSelector("tr[data-selector='user:olga'] td:nth-child(3)"), "in 3 h");
    // A new override is offered an expiry a day ahead by the server's clock, and one typed three
    // days ahead by it is in the future.
    WebElement expires = waitFor(By.name("expiresAt"));
    Instant offered = LocalDateTime.parse(expires.getAttribute("value"), TYPED).toInstant(ZoneOffset.UTC);
    assertThat(Duration.between(Instant.now().plus(Duration.ofDays(1)), offered).abs()).isLessThan(Duration.ofMinutes(2));
    browser.findElement(By.name("selector")).sendKeys("user:pia");
    new Select(browser.findElement(By.name("bypass"))).selectByValue("bypass");
    browser.findElement(By.name("reason")).sendKeys("offsite");
    expires.clear();
    expires.sendKeys(TYPED.format(clock.instant().plus(Duration.ofDays(3)).truncatedTo(ChronoUnit.HOURS)));
    click(By.cssSelector("[data-test=create-override]"));
    waitForText(By.cssSelector("tr[data-selector='user:pia'] td:nth-child(3)"), "in 3 d");

    go("#/subjects/user/olga");
    assertThat(textOf(By.cssSelector("[data-test=override-in-force]"))).contains("(in 3 h)");
    String updated = waiting().until(d -> {
      String text = d.findElement(By.cssSelector("main")).getText();
      int at = text.indexOf("Updated ");
      return at < 0 ? null : text.substring(at + 8, at + 16);
    });
    long apart = Math.abs(Duration.between(LocalTime.parse(updated), LocalTime.now(ZoneOffset.UTC)).toSeconds());
    assertThat(Math.min(apart, 86_400 - apart)).as("updated at %s UTC", updated).isLessThan(120);

    go("#/reports");
    LocalDate today = LocalDate.ofInstant(Instant.now(), ZoneOffset.UTC);
    assertThat(waitFor(By.name("to")).getAttribute("value")).isEqualTo(today.toString());
    assertThat(waitFor(By.name("from")).getAttribute("value")).isEqualTo(today.minusDays(29).toString());
    assertNoConsoleErrors("pages with the browser's clock ahead");
  }
}
