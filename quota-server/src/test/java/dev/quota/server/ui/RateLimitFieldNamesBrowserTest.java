package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * Each rate limit's fields in the policy form say which limit they belong to, as its Remove button
 * does: a screen reader announced every row's fields as only "Meter", "Limit", "Window" and
 * "Algorithm", so among three limits one could not tell which limit's window one was on.
 */
class RateLimitFieldNamesBrowserTest extends BrowserTestSupport {
  private static final List<String> PARTS = List.of("meter", "limit", "window", "algorithm");

  @Test
  void eachRateLimitsFieldsAreNamedWithTheirLimitsNumber() throws Exception {
    var r = send("PUT", "/v1/policies/team:*?reason=setup", "{\"rateLimits\":[{\"limit\":10,\"window\":\"PT1S\"},"
        + "{\"meter\":\"tokens\",\"limit\":20,\"window\":\"PT1M\"},{\"limit\":30,\"window\":\"PT1H\"}]}", ADMIN_KEY);
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
    signInAs(ADMIN_KEY);
    go("#/policies/edit/team%3A*");
    waitFor(By.name("rateLimits.2.limit"));

    assertThat(names(3)).containsExactly(
        "Rate limit 1 meter", "Rate limit 1 limit", "Rate limit 1 window", "Rate limit 1 algorithm",
        "Rate limit 2 meter", "Rate limit 2 limit", "Rate limit 2 window", "Rate limit 2 algorithm",
        "Rate limit 3 meter", "Rate limit 3 limit", "Rate limit 3 window", "Rate limit 3 algorithm");
    // The visible labels stay short: the number is said, not shown, as each row shows its place.
    assertThat(browser.findElement(By.cssSelector("[data-field='rateLimits.1.window'] label")).getText()).isEqualTo("Window");

    // Renumbered with the rows once one is removed; a row added takes the next number.
    click(By.cssSelector("[aria-label='Remove rate limit 1']"));
    waiting().until(d -> d.findElements(By.cssSelector(".rate-row")).size() == 2);
    click(By.cssSelector("[data-test=add-rate]"));
    waitFor(By.name("rateLimits.2.limit"));
    assertThat(names(3)).containsExactly(
        "Rate limit 1 meter", "Rate limit 1 limit", "Rate limit 1 window", "Rate limit 1 algorithm",
        "Rate limit 2 meter", "Rate limit 2 limit", "Rate limit 2 window", "Rate limit 2 algorithm",
        "Rate limit 3 meter", "Rate limit 3 limit", "Rate limit 3 window", "Rate limit 3 algorithm");
    assertThat(browser.findElement(By.name("rateLimits.0.meter")).getAttribute("value")).isEqualTo("tokens");
    assertNoConsoleErrors("rate limit field names");
  }

  /** The accessible names of the fields of the first {@code rows} rate limits, row by row. */
  private List<String> names(int rows) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < rows; i++) {
      for (String part : PARTS) {
        names.add(browser.findElement(By.name("rateLimits." + i + "." + part)).getAccessibleName());
      }
    }
    return names;
  }
}
