package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * A window is written in the largest units it fills, as people say it: the server gives a week
 * back as PT168H, which the policy list showed as "168 h", and a day as "24 h".
 */
class WindowsInDaysBrowserTest extends BrowserTestSupport {
  @Test
  void windowsOfADayOrMoreAreShownInDays() throws Exception {
    var put = send("PUT", "/v1/policies/team:*?reason=setup",
        "{\"rateLimits\":[{\"limit\":7,\"window\":\"P7D\"},{\"limit\":24,\"window\":\"PT24H\"},"
            + "{\"limit\":36,\"window\":\"PT36H\"},{\"limit\":90,\"window\":\"PT90M\"},{\"limit\":61,\"window\":\"PT61S\"}]}",
        ADMIN_KEY);
    assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
    assertThat(put.body()).contains("\"PT168H\"");
    signInAs(ADMIN_KEY);

    go("#/policies");
    String row = textOf(By.cssSelector("tr[data-selector='team:*']"));
    assertThat(row)
        .contains("7 req / 7 d")
        .contains("24 req / 1 d")
        .contains("36 req / 1 d 12 h")
        .contains("90 req / 1 h 30 min")
        .contains("61 req / 1 min 1 s")
        .doesNotContain("168 h")
        .doesNotContain("24 h");
    assertNoConsoleErrors("windows in days");
  }
}
