package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * The server's reports sum UTC days. A browser whose local date is not the UTC date (Tokyo just
 * after midnight, say) must still show today's spend as "today", and say that the days are UTC.
 */
class UtcDaysBrowserTest extends BrowserTestSupport {
  @Test
  void dayFiguresAreUtcDaysWhateverTheBrowsersTimeZone() throws Exception {
    // No budget prices this spend: it is shown in no currency.
    recordUsage("{\"user\":\"carol\"}", "1.37");
    String viewer = issueKey("{\"name\":\"carol-dashboard\",\"role\":\"viewer\",\"subjects\":[\"user:carol\"]}");
    ZonedDateTime utc = clock.instant().atZone(ZoneOffset.UTC);
    // A zone whose calendar date differs from UTC's right now: 11 hours behind before 11:00 UTC, 14 ahead after.
    String zone = utc.getHour() < 11 ? "Pacific/Pago_Pago" : "Pacific/Kiritimati";
    signInAs(viewer);
    browser.executeCdpCommand("Emulation.setTimezoneOverride", Map.of("timezoneId", zone));
    try {
      browser.navigate().refresh();
      String localDay = (String) script("const d = new Date(); return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0');");
      LocalDate today = utc.toLocalDate();
      assertThat(localDay).as("the browser's local date in " + zone).isNotEqualTo(today.toString());

      waitForText(By.cssSelector("[data-test=stat-today]"), "1.37");
      waitForText(By.cssSelector("[data-test=stat-month]"), "1.37");
      assertThat(browser.findElement(By.cssSelector(".stat")).getText()).contains("UTC");
      shot("utc-01-overview");

      go("#/reports");
      waitForText(By.cssSelector("[data-test=report-total]"), "1.37");
      assertThat(browser.findElement(By.name("to")).getAttribute("value")).isEqualTo(today.toString());
      assertThat(browser.findElement(By.name("from")).getAttribute("value")).isEqualTo(today.minusDays(29).toString());
      assertThat(textOf(By.cssSelector("label[for='" + browser.findElement(By.name("from")).getAttribute("id") + "']"))).contains("UTC");
      assertThat(textOf(By.cssSelector("label[for='" + browser.findElement(By.name("to")).getAttribute("id") + "']"))).contains("UTC");
      shot("utc-02-reports");

      go("#/subjects/user/carol");
      waitForText(By.cssSelector("[data-test=cost-30d]"), "1.37");
      assertThat(browser.findElement(By.tagName("main")).getText()).contains("UTC");
      // The last column of the 30-day chart is today's UTC date, and it carries the spend.
      String lastBar = (String) script("const bars = document.querySelectorAll('.chart rect.bar'); return bars[bars.length - 1].textContent;");
      assertThat(lastBar).startsWith(today.toString()).contains(": 1.37");
      assertNoConsoleErrors("pages in " + zone);
    } finally {
      browser.executeCdpCommand("Emulation.setTimezoneOverride", Map.of("timezoneId", ""));
    }
  }
}
