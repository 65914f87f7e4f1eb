package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * The To filter of the audit log and the alert history takes in the whole minute it names: To
 * 10:05 keeps an entry made at 10:05:30. It was sent as the minute's first instant, an end the API
 * leaves out, so the minute chosen was missing from the list.
 */
class InclusiveToFilterBrowserTest extends BrowserTestSupport {
  private static final DateTimeFormatter MINUTE = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm").withZone(ZoneOffset.UTC);

  @Test
  void toKeepsTheEntriesOfItsOwnMinute() throws Exception {
    Instant at = clock.instant();
    var put = send("PUT", "/v1/policies/team:minute?reason=inside-the-minute", "{\"concurrency\":3}", ADMIN_KEY);
    assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
    String minute = MINUTE.format(at.truncatedTo(ChronoUnit.MINUTES));
    String minuteBefore = MINUTE.format(at.truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(1)));
    signInAs(ADMIN_KEY);

    go("#/audit?to=" + minute);
    assertThat(textOf(By.cssSelector("main tbody"))).contains("inside-the-minute");

    // From and To the same minute: that minute, not an empty range.
    go("#/audit?from=" + minute + "&to=" + minute);
    assertThat(textOf(By.cssSelector("main tbody"))).contains("inside-the-minute");

    // The minute before still leaves it out.
    go("#/audit?to=" + minuteBefore);
    waiting().until(d -> d.findElement(By.tagName("main")).getText().contains("No audit entry matches these filters."));

    // The alert history sends its To the same way: up to the end of the minute named.
    go("#/alerts");
    waitUntilLoaded();
    script("window.asked = []; const original = window.fetch;"
        + "window.fetch = (url, init) => { window.asked.push(String(url)); return original(url, init); };");
    script("arguments[0].value = '2030-01-01T10:05';", waitFor(By.name("to")));
    browser.findElement(By.name("to")).submit();
    String asked = waiting().until(d -> (String) script("return window.asked.find((u) => u.startsWith('/v1/alerts')) || null;"));
    assertThat(asked).contains("to=2030-01-01T10%3A06%3A00.000Z");
    assertNoConsoleErrors("inclusive To");
  }
}
