package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.WebElement;

/**
 * On a phone, tables scroll sideways rather than drop columns: a policy's mode and concurrency cap,
 * an audit entry's change and an alert's policy and delivery are all there to scroll to.
 */
class PhoneColumnsBrowserTest extends BrowserTestSupport {
  @Test
  void aPhoneShowsEveryColumn() throws Exception {
    assertThat(send("PUT", "/v1/policies/team:*?reason=trial", "{\"mode\":\"shadow\",\"concurrency\":7,\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"},"
        + "\"alertThresholds\":[0.5]}", ADMIN_KEY).statusCode()).isEqualTo(201);
    recordUsage("{\"team\":\"red\"}", "0.60");
    signInAs(ADMIN_KEY);
    browser.manage().window().setSize(new Dimension(390, 844));
    try {
      go("#/policies");
      assertEveryColumnShown("tr[data-selector='team:*']", "Mode", "shadow");
      assertEveryColumnShown("tr[data-selector='team:*']", "Concurrency", "7");

      go("#/audit");
      assertEveryColumnShown("main tbody tr", "Change", "created");

      go("#/alerts");
      assertEveryColumnShown("main tbody tr", "Policy", "team:*");
      assertEveryColumnShown("main tbody tr", "Delivery", "none");
      shot("phone-columns-alerts");
    } finally {
      browser.manage().window().setSize(new Dimension(1280, 1400));
    }
    assertNoConsoleErrors("tables on a phone");
  }

  /** The column headed {@code heading} is displayed, and so is its cell in the row, reading {@code text}. */
  private void assertEveryColumnShown(String rowCss, String heading, String text) {
    WebElement row = waitFor(By.cssSelector(rowCss));
    List<WebElement> headings = browser.findElements(By.cssSelector("main thead th"));
    int column = headings.stream().map(th -> th.getAttribute("textContent")).toList().indexOf(heading);
    assertThat(column).as("column " + heading).isNotNegative();
    assertThat(headings.get(column).isDisplayed()).as(heading + " heading shown").isTrue();
    WebElement cell = row.findElements(By.cssSelector("td")).get(column);
    assertThat(cell.isDisplayed()).as(heading + " cell shown").isTrue();
    assertThat(cell.getAttribute("textContent")).contains(text);
  }
}
