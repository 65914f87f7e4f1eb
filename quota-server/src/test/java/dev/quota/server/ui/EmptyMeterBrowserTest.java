package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;

/**
 * A rate limit's meter is optional, as the server takes it: left out, the limit counts requests.
 * The policy form says so beside a Meter field that was cleared, instead of saving the limit as a
 * limit of requests without a word.
 */
class EmptyMeterBrowserTest extends BrowserTestSupport {
  private static final By METER_HINT = By.cssSelector("[data-field='rateLimits.0.meter'] .help");

  @Test
  void aClearedMeterSaysTheLimitCountsRequests() throws Exception {
    signInAs(ADMIN_KEY);
    go("#/policies/new");
    waitFor(By.name("selector")).sendKeys("team:*");
    click(By.cssSelector("[data-test=add-rate]"));
    browser.findElement(By.name("rateLimits.0.limit")).sendKeys("100");
    WebElement meter = browser.findElement(By.name("rateLimits.0.meter"));
    assertThat(browser.findElements(METER_HINT).stream().map(WebElement::getText).filter(t -> !t.isBlank())).isEmpty();

    empty(meter);
    assertThat(textOf(METER_HINT)).isEqualTo("Left empty, the limit counts requests: one per call.");
    assertThat(meter.getAttribute("placeholder")).isEqualTo("requests");
    assertThat(script("const m = document.querySelector('[name=\"rateLimits.0.meter\"]');"
        + " return m.getAttribute('aria-describedby').split(' ').includes(document.querySelector("
        + "'[data-field=\"rateLimits.0.meter\"] .help').id)")).isEqualTo(true);

    meter.sendKeys("tokens");
    waiting().until(d -> d.findElement(METER_HINT).getText().isBlank());
    empty(meter);
    assertThat(textOf(METER_HINT)).contains("counts requests");

    click(By.cssSelector("[data-test=save-policy]"));
    waitFor(By.cssSelector("tr[data-selector='team:*']"));
    // A limit of requests, which the server writes without a meter.
    assertThat(get("/v1/policies/team:*").body()).contains("\"rateLimits\":[{\"limit\":100,\"window\":\"PT1M\"}]");
    assertNoConsoleErrors("a cleared meter");
  }

  /** Empties the field as typing does, so the page hears it (whitespace is not empty: see PaddedMeterBrowserTest). */
  private static void empty(WebElement input) {
    input.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.BACK_SPACE);
  }
}
