package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * A reset made while the subject page's refresh is on its way starts that refresh over, once: it
 * started a second one beside it, and from then on the page asked for the usage twice each time.
 */
class ResetRefreshesOnceBrowserTest extends BrowserTestSupport {
  private static final By RATE = By.cssSelector(".usage[data-kind=rate]");

  @Test
  void aResetDuringARefreshLeavesOneRefreshGoing() throws Exception {
    var put = send("PUT", "/v1/policies/user:*?reason=setup", "{\"rateLimits\":[{\"limit\":100,\"window\":\"PT1H\"}]}", ADMIN_KEY);
    assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
    recordUsage("{\"user\":\"ivy\"}", "0.10");
    signInAs(ADMIN_KEY);
    go("#/subjects/user/ivy");
    waitForAttribute(RATE, "data-used", "1");

    // Notes when each usage request leaves; while held, their answers wait (a slow network).
    script("const original = window.fetch;"
        + "window.usageAsked = []; window.held = null;"
        + "window.hold = () => { let open; window.held = new Promise((r) => { open = r; }); window.release = () => { window.held = null; open(); }; };"
        + "window.fetch = async (url, init) => {"
        + "  const usage = String(url).startsWith('/v1/usage/');"
        + "  if (usage) window.usageAsked.push(performance.now());"
        + "  const res = await original(url, init);"
        + "  if (usage && window.held) await window.held;"
        + "  return res;"
        + "};"
        + "window.hold();");
    // The next refresh is on its way, its answer held, when the reset is confirmed.
    long before = (Long) script("return window.usageAsked.length;");
    waiting().until(d -> (Long) script("return window.usageAsked.length;") > before);
    click(By.xpath("//button[text()='Reset counters']"));
    click(By.cssSelector("[data-test=confirm]"));
    waiting().until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector(".backdrop")));
    waiting().until(d -> d.findElement(By.id("toast")).getText().contains("reset"));
    long afterReset = (Long) script("return window.usageAsked.length;");
    script("window.release();");
    waitForAttribute(RATE, "data-used", "0");

    // Two more refreshes, a refresh interval apart: one loop, not two side by side.
    waiting().until(d -> (Long) script("return window.usageAsked.length;") >= afterReset + 2);
    @SuppressWarnings("unchecked")
    List<Number> asked = (List<Number>) script("return window.usageAsked;");
    double gap = asked.get((int) afterReset + 1).doubleValue() - asked.get((int) afterReset).doubleValue();
    assertThat(gap).as("ms between the two refreshes after the reset, of " + asked).isGreaterThan(1000);
    assertNoConsoleErrors("reset during a refresh");
  }
}
