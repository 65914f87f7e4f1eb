package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * "Show expired" ticked and unticked again while the list with the expired overrides is on its way:
 * that list, answered last, is dropped, and the page goes on showing the overrides in force as the
 * unticked box says. It drew the expired ones under the unticked box.
 */
class ShowExpiredLateAnswerBrowserTest extends BrowserTestSupport {
  private static final By SHOW_EXPIRED = By.id("show-expired");
  private static final By ROWS = By.cssSelector("main tr[data-override]");

  @Test
  void aLateListWithTheExpiredOnesIsDropped() throws Exception {
    assertThat(post("/v1/overrides", "{\"selector\":\"user:old\",\"bypass\":true,\"duration\":\"PT1H\",\"reason\":\"last week\"}")
        .statusCode()).isEqualTo(201);
    clock.advance(Duration.ofHours(2));
    assertThat(post("/v1/overrides", "{\"selector\":\"user:new\",\"bypass\":true,\"duration\":\"PT1H\",\"reason\":\"today\"}")
        .statusCode()).isEqualTo(201);
    signInAs(ADMIN_KEY);
    go("#/overrides");
    waitFor(By.cssSelector("tr[data-selector='user:new']"));
    assertThat(browser.findElements(ROWS)).hasSize(1);

    // The answer of the list with the expired ones waits until released (a slow network); once the
    // page has read it, lateRead is set, and what the page does with it is done before the test looks.
    script("const original = window.fetch;"
        + "window.lateRead = false;"
        + "window.held = new Promise((r) => { window.release = r; });"
        + "window.fetch = async (url, init) => {"
        + "  const res = await original(url, init);"
        + "  if (!String(url).includes('includeExpired=true')) return res;"
        + "  await window.held;"
        + "  const json = res.json.bind(res);"
        + "  res.json = async () => { const v = await json(); window.lateRead = true; return v; };"
        + "  return res;"
        + "};");
    click(SHOW_EXPIRED);
    click(SHOW_EXPIRED);
    assertThat(browser.findElement(SHOW_EXPIRED).isSelected()).isFalse();
    waitFor(By.cssSelector("tr[data-selector='user:new']"));
    script("window.release();");
    waiting().until(d -> Boolean.TRUE.equals(script("return window.lateRead;")));

    assertThat(browser.findElement(SHOW_EXPIRED).isSelected()).isFalse();
    assertThat(browser.findElements(ROWS)).as("the overrides in force only").hasSize(1);
    assertThat(browser.findElements(By.cssSelector("tr[data-selector='user:old']"))).isEmpty();
    assertThat(browser.findElements(By.cssSelector("[data-test=expired]"))).isEmpty();
    shot("overrides-show-expired-late-answer");

    // Ticked for good, the expired one is listed as expired.
    click(SHOW_EXPIRED);
    waitFor(By.cssSelector("tr[data-selector='user:old'] [data-test=expired]"));
    assertThat(browser.findElements(ROWS)).hasSize(2);
    assertNoConsoleErrors("show expired toggled while its list was on its way");
  }
}
