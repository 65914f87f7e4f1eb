package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * A subject name the server refuses (here a scope in capitals): the subject page says what is wrong
 * with the name, once, rather than reading as a server gone offline with costs loading forever.
 */
class RefusedSubjectBrowserTest extends BrowserTestSupport {
  @Test
  void aSubjectTheServerRefusesIsNamedAsTheProblem() throws Exception {
    signInAs(ADMIN_KEY);
    go("#/subjects");
    waitFor(By.id("subject-q")).sendKeys("User:Alice");
    click(By.cssSelector("form.filters button[type=submit]"));

    String refused = textOf(By.cssSelector("[data-test=subject-refused]"));
    assertThat(refused).contains("scope").contains("lowercase").contains("Open another subject");
    String main = textOf(By.tagName("main"));
    assertThat(textOf(By.cssSelector(".page-head p"))).isEqualTo("Not a subject name the server accepts.");
    assertThat(main).doesNotContain("Offline").doesNotContain("Loading").doesNotContain("Retry");
    // Nothing to reset or override for a subject that cannot exist.
    assertThat(browser.findElements(By.cssSelector("[data-test=live]"))).isEmpty();
    assertThat(browser.findElements(By.xpath("//button[text()='Reset counters']"))).isEmpty();
    assertThat(browser.findElements(By.linkText("Override limits"))).isEmpty();
    shot("refused-subject-01");
    assertNoConsoleErrorsExcept("a refused subject", "/v1/usage/User/Alice", "status of 400");

    // The way out leads back to the picker.
    click(By.linkText("Open another subject"));
    waitFor(By.id("subject-q"));
    assertNoConsoleErrors("back to the picker");
  }

  /**
   * An address the picker would not make (a scope named twice, a scope without its id) says what is
   * wrong with it, rather than showing the limits of other subjects under its heading.
   */
  @Test
  void anAddressNamingAScopeTwiceOrWithoutAnIdIsRefused() throws Exception {
    assertThat(send("PUT", "/v1/policies/user:*", "{\"rateLimits\":[{\"limit\":5,\"window\":\"PT1M\"}]}", ADMIN_KEY).statusCode()).isEqualTo(201);
    signInAs(ADMIN_KEY);
    go("#/subjects/user/alice/user/bob");
    assertThat(textOf(By.cssSelector("[data-test=subject-refused]"))).contains("user is given twice").contains("Open another subject");
    assertThat(textOf(By.tagName("main"))).doesNotContain("On its own");
    assertThat(browser.findElements(By.cssSelector("[data-test=live]"))).isEmpty();

    go("#/subjects/user/alice/tool");
    assertThat(textOf(By.cssSelector("[data-test=subject-refused]"))).contains("tool").contains("without an id");
    assertThat(browser.findElements(By.cssSelector(".usage"))).isEmpty();
    assertThat(browser.findElements(By.xpath("//button[text()='Reset counters']"))).isEmpty();
    shot("refused-subject-02-address");
    assertNoConsoleErrors("refused subject addresses");
  }
}
