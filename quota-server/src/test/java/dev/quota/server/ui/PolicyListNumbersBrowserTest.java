package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * The policy and override lists write a limit's number as every other page of the console does,
 * digits grouped by commas, whatever the browser's language: in German the policy list wrote
 * 12.345 requests beside a subject page's 12,345, and left a concurrency cap ungrouped.
 */
class PolicyListNumbersBrowserTest extends BrowserTestSupport {
  @Test
  void limitsReadTheSameInEveryListWhateverTheBrowsersLanguage() throws Exception {
    var put = send("PUT", "/v1/policies/team:big?reason=setup",
        "{\"rateLimits\":[{\"limit\":12345,\"window\":\"PT1M\"}],\"concurrency\":2500}", ADMIN_KEY);
    assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
    String expires = clock.instant().plusSeconds(86400).toString();
    var override = post("/v1/overrides", "{\"selector\":\"team:big\",\"expiresAt\":\"" + expires + "\",\"reason\":\"launch\","
        + "\"limits\":{\"rateLimits\":[{\"limit\":67890,\"window\":\"PT1M\"}],\"concurrency\":1500}}");
    assertThat(override.statusCode()).as(override.body()).isEqualTo(201);
    signInAs(ADMIN_KEY);
    browser.executeCdpCommand("Emulation.setLocaleOverride", Map.of("locale", "de-DE"));
    try {
      browser.navigate().refresh();
      assertThat(script("return (12345).toLocaleString();")).as("the browser writes numbers in German").isEqualTo("12.345");

      go("#/policies");
      String row = textOf(By.cssSelector("tr[data-selector='team:big']"));
      assertThat(row).contains("12,345 req / 1 min").contains("2,500");
      go("#/overrides");
      assertThat(textOf(By.cssSelector("tr[data-selector='team:big']"))).contains("67,890 req / 1 min").contains("1,500 in flight");
      shot("policy-list-numbers-de");
    } finally {
      browser.executeCdpCommand("Emulation.setLocaleOverride", Map.of());
    }
    assertNoConsoleErrors("lists in German");
  }
}
