package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * A To filter of the last minute the calendar of the API holds, 9999-12-31 23:59, asks for the
 * list up to the last instant the API takes. Its minute ended in the year 10000, which the API
 * refused beside To; with a From, the form compared the two as text and called To before From.
 */
class LastMinuteToFilterBrowserTest extends BrowserTestSupport {
  @Test
  void toTheLastMinuteOf9999AsksUpToTheLastInstantTheApiTakes() throws Exception {
    var put = send("PUT", "/v1/policies/team:far?reason=before-the-end", "{\"concurrency\":3}", ADMIN_KEY);
    assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
    signInAs(ADMIN_KEY);

    go("#/audit");
    waitUntilLoaded();
    script("window.asked = []; const original = window.fetch;"
        + "window.fetch = (url, init) => { window.asked.push(String(url)); return original(url, init); };");
    WebElement to = waitFor(By.name("to"));
    to.sendKeys("9999-12-31 23:59");
    to.submit();
    String asked = waiting().until(d -> (String) script("return window.asked.find((u) => u.startsWith('/v1/audit')) || null;"));
    assertThat(asked).contains("to=9999-12-31T23%3A59%3A59.999999999Z");
    assertThat(textOf(By.cssSelector("main tbody"))).contains("before-the-end");
    assertThat(browser.findElement(By.cssSelector("[data-error-for=to]")).getText()).isBlank();

    // With a From as well, and seconds: not taken for a To before the From.
    go("#/alerts?from=2026-01-01T00:00&to=9999-12-31T23:59:59");
    waiting().until(d -> d.findElement(By.tagName("main")).getText().contains("No alert matches these filters."));
    assertThat(browser.findElement(By.cssSelector("[data-error-for=from]")).getText()).isBlank();
    assertThat(browser.findElement(By.cssSelector("[data-error-for=to]")).getText()).isBlank();
    assertNoConsoleErrors("To the last minute of 9999");
  }
}
