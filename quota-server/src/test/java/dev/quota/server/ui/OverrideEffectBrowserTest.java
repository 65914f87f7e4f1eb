package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * The overrides list says what each override's replacement limits are, every one of them: a
 * per-request cap, a token bucket, and limits in shadow mode, which count but deny nothing.
 */
class OverrideEffectBrowserTest extends BrowserTestSupport {

  @Test
  void theListNamesEveryReplacementLimit() throws Exception {
    String cap = createOverride("{\"selector\":\"user:zed\",\"bypass\":false,\"duration\":\"PT1H\",\"reason\":\"cap\","
        + "\"limits\":{\"budget\":{\"currency\":\"USD\",\"perRequest\":\"0.50\"}}}");
    String shadow = createOverride("{\"selector\":\"team:qa\",\"bypass\":false,\"duration\":\"PT1H\",\"reason\":\"trial\","
        + "\"limits\":{\"rateLimits\":[{\"limit\":600,\"window\":\"PT1M\",\"algorithm\":\"token_bucket\"}],\"mode\":\"shadow\"}}");
    signInAs(ADMIN_KEY);

    go("#/overrides");
    String capRow = textOf(By.cssSelector("tr[data-override='" + cap + "']"));
    assertThat(capRow).contains("$0.50/request").doesNotContain("replacement limits");
    String shadowRow = textOf(By.cssSelector("tr[data-override='" + shadow + "']"));
    assertThat(shadowRow).contains("600 req / 1 min (bucket)").contains("shadow");
    assertNoConsoleErrors("overrides list");
  }
}
