package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * An audit entry that created or revoked an override says what the override did, as the overrides
 * list does (its limits as text, or that it was a bypass) and until when, rather than showing its
 * limits as one minified line of JSON.
 */
class AuditOverrideLimitsBrowserTest extends BrowserTestSupport {

  @Test
  void overrideEntriesShowTheirLimitsAsText() throws Exception {
    String limits = createOverride("{\"selector\":\"user:zed\",\"bypass\":false,\"duration\":\"PT1H\",\"reason\":\"launch\","
        + "\"limits\":{\"rateLimits\":[{\"limit\":600,\"window\":\"PT1M\"}],\"budget\":{\"currency\":\"EUR\",\"daily\":\"50.00\"}}}");
    createOverride("{\"selector\":\"team:qa\",\"bypass\":true,\"duration\":\"PT2H\",\"reason\":\"load test\"}");
    HttpResponse<String> revoked = send("DELETE", "/v1/overrides/" + limits + "?reason=done", null, ADMIN_KEY);
    assertThat(revoked.statusCode()).as(revoked.body()).isBetween(200, 204);
    signInAs(ADMIN_KEY);

    go("#/audit?action=override.create");
    String created = openedEffect("launch");
    assertThat(created).contains("600 req / 1 min").contains("€50.00/day").containsPattern("until \\w{3} \\d+, \\d{4}, [\\d:]+ UTC");
    String bypass = openedEffect("load test");
    assertThat(bypass).contains("bypass: counts, never denies").contains(" UTC");
    // The replacement limits, every field, pretty-printed as a policy's are; no line of minified JSON.
    String after = textOf(By.xpath("//main//tbody/tr[contains(., 'launch')]//*[@data-side='after']"));
    assertThat(after).contains("\"limit\": 600").contains("\"daily\": \"50.00\"");
    assertThat(textOf(By.tagName("main"))).doesNotContain("{\"rateLimits\"").doesNotContain("until 20");
    shot("audit-override-limits-created");

    go("#/audit?action=override.revoke");
    assertThat(openedEffect("done")).contains("600 req / 1 min").contains("€50.00/day");
    assertThat(textOf(By.xpath("//main//tbody/tr[contains(., 'done')]//*[@data-side='before']"))).contains("\"window\": \"PT1M\"");
    assertNoConsoleErrors("override entries in the audit log");
  }

  /** Opens the change of the entry whose row reads {@code reason}, and answers what it says the override did. */
  private String openedEffect(String reason) {
    String row = "//main//tbody/tr[contains(., '" + reason + "')]";
    click(By.xpath(row + "//summary"));
    return textOf(By.xpath(row + "//*[@data-test='override-effect']"));
  }
}
