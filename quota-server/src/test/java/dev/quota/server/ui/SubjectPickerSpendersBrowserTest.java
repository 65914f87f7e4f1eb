package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The subjects picker lists at most 30 of the month's spenders: the biggest first, not the first
 * 30 by name, and it says when it leaves some out. Spend in two currencies is never compared: the
 * currency most users spend in ranks them first, and the note names the order.
 */
class SubjectPickerSpendersBrowserTest extends BrowserTestSupport {
  private static final By SPENDERS = By.cssSelector("main ul.bar-list li a");

  @Test
  void theBiggestSpendersComeFirstAndTheCutIsSaid() throws Exception {
    budget("team:us", "USD");
    budget("team:eu", "EUR");
    // 43 users spending 1.00 to 43.00 dollars; zed, last by name, spends the most.
    for (int i = 1; i <= 43; i++) {
      recordUsage("{\"user\":\"u" + String.format("%02d", i) + "\",\"team\":\"us\"}", i + ".00");
    }
    recordUsage("{\"user\":\"zed\",\"team\":\"us\"}", "50.00");
    // As much in dollars as u43, and euros besides: ahead of u43.
    recordUsage("{\"user\":\"bo\",\"team\":\"us\"}", "43.00");
    recordUsage("{\"user\":\"bo\",\"team\":\"eu\"}", "5.00");
    // Euros only: after every user with spend in dollars, the currency most users spend in.
    recordUsage("{\"user\":\"amy\",\"team\":\"eu\"}", "99.00");

    signInAs(ADMIN_KEY);
    go("#/subjects");
    waiting().until(d -> d.findElements(SPENDERS).size() == 30);
    List<String> listed = browser.findElements(SPENDERS).stream().map(WebElement::getText).toList();
    assertThat(listed.subList(0, 4)).containsExactly("user:zed", "user:bo", "user:u43", "user:u42");
    assertThat(listed.get(29)).isEqualTo("user:u16");
    assertThat(listed).doesNotContain("user:amy", "user:u01");
    assertThat(textOf(By.cssSelector("[data-test=spenders-note]")))
        .contains("30 of 46 users").contains("biggest spenders first").contains("USD, then in EUR");
    scrollTo(By.cssSelector("[data-test=spenders-note]"));
    shot("subject-picker-01-biggest-spenders");
    assertNoConsoleErrors("the subjects picker");
  }

  private void budget(String selector, String currency) throws Exception {
    HttpResponse<String> r = send("PUT", "/v1/policies/" + selector + "?reason=setup",
        "{\"budget\":{\"currency\":\"" + currency + "\",\"daily\":\"100000.00\"}}", ADMIN_KEY);
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
  }
}
