package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.internal.Names;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * A rate limit's meter is sent as typed, as the selector is: " tokens " is no meter name the server
 * takes, and it is refused beside the field in the server's words. The form trimmed it, and saved a
 * limit of tokens the operator was never told about; whitespace alone it saved as a limit of requests.
 */
class PaddedMeterBrowserTest extends BrowserTestSupport {
  @Test
  void aMeterWithSpacesAroundItIsRefusedBesideTheFieldAndNothingIsSaved() throws Exception {
    signInAs(ADMIN_KEY);
    go("#/policies/new");
    waitFor(By.name("selector")).sendKeys("team:*");
    click(By.cssSelector("[data-test=add-rate]"));
    browser.findElement(By.name("rateLimits.0.limit")).sendKeys("100");
    script("window.sent = []; const original = window.fetch;"
        + "window.fetch = (url, init) => { if (init && init.method === 'PUT') window.sent.push(init.body); return original(url, init); };");

    List<String> refused = List.of(" tokens ", " ");
    for (int i = 0; i < refused.size(); i++) {
      String typed = refused.get(i);
      long saves = i + 1;
      WebElement meter = browser.findElement(By.name("rateLimits.0.meter"));
      meter.clear();
      meter.sendKeys(typed);
      assertThat(textOf(By.cssSelector("[data-field='rateLimits.0.meter'] .help"))).as("typed, not empty: %s", typed).isBlank();
      click(By.cssSelector("[data-test=save-policy]"));
      waiting().until(d -> saves == (Long) script("return window.sent.length"));
      assertThat(errorBeside("rateLimits.0.meter")).as(typed).isEqualTo(Names.RULE);
      assertThat(meter.getAttribute("aria-invalid")).isEqualTo("true");
      assertThat(meter.getAttribute("value")).as("left as typed").isEqualTo(typed);
      assertThat((String) script("return window.sent[arguments[0]]", i)).contains("\"meter\":\"" + typed + "\"");
      assertThat(get("/v1/policies").body()).doesNotContain("team:*");
      assertNoConsoleErrorsExcept("a meter typed as '" + typed + "'", "/v1/policies/team%3A*", "status of 400");
    }
    shot("padded-meter-refused");

    // Typed as the server takes it, it is saved as typed.
    WebElement meter = browser.findElement(By.name("rateLimits.0.meter"));
    meter.clear();
    meter.sendKeys("tokens");
    click(By.cssSelector("[data-test=save-policy]"));
    waitFor(By.cssSelector("tr[data-selector='team:*']"));
    assertThat(get("/v1/policies/team:*").body()).contains("\"rateLimits\":[{\"meter\":\"tokens\",\"limit\":100,");
    assertNoConsoleErrors("the meter saved");
  }
}
