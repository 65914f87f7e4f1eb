package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The reports page's Monthly tab asks for twelve months, back past the days whose raw ledger rows
 * are kept. For a subject of a scope of one's own (org:initech) it shows its months from the daily
 * totals the ledger keeps of such subjects, as it does for a user: before those were kept, the tab
 * showed the server's refusal of a report reaching back past the raw rows.
 */
class CustomScopeMonthlyBrowserTest extends BrowserTestSupport {
  @Test
  void theMonthlyTabShowsACustomSubjectsMonthsOnceItsRawRowsAreRolledUp() throws Exception {
    YearMonth month = YearMonth.from(clock.instant().atZone(ZoneOffset.UTC));
    recordUsage("{\"org\":\"initech\",\"user\":\"peter\",\"provider\":\"openai\"}", "1.50");
    recordUsage("{\"org\":\"initech\",\"user\":\"milton\",\"provider\":\"anthropic\"}", "0.25");
    recordUsage("{\"org\":\"hooli\",\"user\":\"gavin\",\"provider\":\"openai\"}", "4.00");
    // Past the raw retention (32 days): those rows now live on as daily totals only.
    clock.advance(Duration.ofDays(40));
    assertThat(server.pruneLedger().orElseThrow().rawRowsDeleted()).isEqualTo(3);
    signInAs(ADMIN_KEY);

    go("#/reports");
    WebElement subject = waitFor(By.name("subject"));
    waitFor(By.cssSelector("[data-test=report-total]"));
    subject.sendKeys("org:initech");
    click(By.cssSelector("[data-group=month]"));
    waitForText(By.cssSelector("[data-test=report-total]"), "1.75");
    assertThat(browser.findElement(By.name("groupBy")).getAttribute("value")).isEqualTo("month");
    assertThat(browser.findElements(By.cssSelector("[data-test=report-row]")).stream().map(WebElement::getText))
        .anySatisfy(t -> assertThat(t).contains(month.toString()).contains("1.75"));
    assertThat(browser.findElements(By.cssSelector("main .alert-error"))).as("a refusal in place of the months").isEmpty();
    assertNoConsoleErrors("a custom subject's months");
  }
}
