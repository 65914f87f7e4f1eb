package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * A report that comes back after a later run was asked for changes nothing: Monthly clicked, then
 * Daily before the month's report came, showed the month's rows under the pressed Daily tab and
 * put the month's first day in From.
 */
class LateReportBrowserTest extends BrowserTestSupport {
  @Test
  void aMonthlyReportAnsweredAfterDailyWasClickedIsDropped() throws Exception {
    recordUsage("{\"user\":\"fay\"}", "0.42");
    signInAs(ADMIN_KEY);
    go("#/reports");
    waitFor(By.cssSelector("[data-test=report-row]"));

    // The answer of a monthly report waits until released (a slow query); once the page has read
    // it, lateRead is set, and what the page does with it is done before the test looks again.
    script("const original = window.fetch;"
        + "window.lateRead = false; window.held = new Promise((r) => { window.release = r; });"
        + "window.fetch = async (url, init) => {"
        + "  const res = await original(url, init);"
        + "  if (!String(url).includes('groupBy=month')) return res;"
        + "  await window.held;"
        + "  const json = res.json.bind(res);"
        + "  res.json = async () => { const v = await json(); window.lateRead = true; return v; };"
        + "  return res;"
        + "};");
    click(By.cssSelector("[data-group=month]"));
    click(By.cssSelector("[data-group=day]"));
    LocalDate today = clock.instant().atZone(ZoneOffset.UTC).toLocalDate();
    waitForText(By.cssSelector("[data-test=report-row] td"), today.toString());
    script("window.release();");
    waiting().until(d -> Boolean.TRUE.equals(script("return window.lateRead;")));

    assertThat(browser.findElement(By.cssSelector("[data-group=day]")).getAttribute("aria-pressed")).isEqualTo("true");
    assertThat(browser.findElement(By.cssSelector("main thead th")).getAttribute("textContent")).isEqualTo("Day");
    assertThat(textOf(By.cssSelector("[data-test=report-row] td"))).isEqualTo(today.toString());
    assertThat(browser.findElement(By.name("from")).getAttribute("value")).isEqualTo(today.minusDays(29).toString());
    assertThat(browser.findElement(By.name("groupBy")).getAttribute("value")).isEqualTo("day");
    assertNoConsoleErrors("a late monthly report");
  }
}
