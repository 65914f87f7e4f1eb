package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The From and To filters of the audit log and the alert history show a time as the rest of the
 * console does, on a 24-hour clock in UTC, in any browser language. They were the browser's
 * date and time fields, which Chromium draws on the clock of its language (06:03 PM in American
 * English) and no page can change.
 */
class TimeFiltersClockBrowserTest extends BrowserTestSupport {
  @Test
  void fromAndToShowA24HourUtcClockInAmericanEnglish() throws Exception {
    signInAs(ADMIN_KEY);
    browser.executeCdpCommand("Emulation.setLocaleOverride", Map.of("locale", "en-US"));
    try {
      browser.navigate().refresh();
      for (String page : List.of("audit", "alerts")) {
        go("#/" + page + "?from=2026-11-30T18:03&to=2026-11-30T19:45");
        waitUntilLoaded();
        for (String name : List.of("from", "to")) {
          WebElement input = waitFor(By.name(name));
          assertThat(input.getAttribute("type")).as(page + " " + name + ": a field the browser draws in its own clock")
              .isNotEqualTo("datetime-local");
        }
        assertThat(waitFor(By.name("from")).getAttribute("value")).as(page).isEqualTo("2026-11-30 18:03");
        assertThat(waitFor(By.name("to")).getAttribute("value")).as(page).isEqualTo("2026-11-30 19:45");
        String help = textOf(By.cssSelector("[data-field=from] .help"));
        assertThat(help).contains("24-hour").contains("UTC");
      }
      shot("time-filters-24-hour");

      // A time typed on a 12-hour clock is refused beside its field, in the form the field takes.
      go("#/audit");
      waitUntilLoaded();
      WebElement to = waitFor(By.name("to"));
      to.sendKeys("11/30/2026, 06:03 PM");
      to.submit();
      WebElement error = waitFor(By.cssSelector("[data-error-for=to]"));
      waiting().until(d -> !error.getText().isBlank());
      assertThat(error.getText()).contains("24-hour").contains("2030-01-31 18:03");
      assertThat(to.getAttribute("aria-invalid")).isEqualTo("true");

      // Typed on the 24-hour clock, it is applied and kept in the address.
      to.clear();
      to.sendKeys("2030-01-01 18:03");
      to.submit();
      waiting().until(d -> d.getCurrentUrl().contains("to=2030-01-01+18%3A03"));
      waitFor(By.cssSelector("main tbody tr, main .empty"));
      assertThat(browser.findElements(By.cssSelector("[data-error-for=to]")).get(0).getText()).isBlank();
    } finally {
      browser.executeCdpCommand("Emulation.setLocaleOverride", Map.of());
    }
    assertNoConsoleErrors("time filters");
  }
}
