package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * A key name longer than the server takes is refused beside the field with the server's rule, not
 * cut to the length that fits by the input and issued under a name the administrator never typed.
 */
class LongKeyNameBrowserTest extends BrowserTestSupport {
  @Test
  void aNameOverSixtyFourCharactersIsRefusedNotCut() throws Exception {
    signInAs(ADMIN_KEY);
    click(By.cssSelector("nav a[data-nav=keys]"));
    waitFor(By.cssSelector("tr[data-key=admin]"));

    String typed = "gateway-" + "x".repeat(60); // 68 characters
    WebElement name = waitFor(By.name("name"));
    name.sendKeys(typed);
    assertThat(name.getAttribute("value")).isEqualTo(typed);
    click(By.cssSelector("[data-test=issue-key]"));

    assertThat(errorBeside("name")).contains("must be at most 64 characters");
    assertThat(name.getAttribute("aria-invalid")).isEqualTo("true");
    assertThat(send("GET", "/v1/keys", null, ADMIN_KEY).body()).doesNotContain("gateway-x");
    assertNoConsoleErrorsExcept("a refused name", "/v1/keys", "status of 400");
  }
}
