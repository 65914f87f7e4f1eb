package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * A report of no spend reads as its other amounts would: the zero in the currency of the subject's
 * budgets (of the policies' budgets, for a report of every subject), and its ledger entries as the
 * 0 the server counted rather than a dash for a figure unknown. So does the overview's spend.
 */
class NoSpendCurrencyBrowserTest extends BrowserTestSupport {
  private static final By TOTAL = By.cssSelector("[data-test=report-total]");
  private static final By ENTRIES = By.cssSelector("[data-test=report-entries]");

  @Test
  void noSpendIsAZeroInTheBudgetsCurrency() throws Exception {
    assertThat(send("PUT", "/v1/policies/user:*?reason=setup", "{\"budget\":{\"currency\":\"EUR\",\"daily\":\"10.00\"}}", ADMIN_KEY)
        .statusCode()).isBetween(200, 201);
    signInAs(ADMIN_KEY);

    go("#/reports");
    waitForText(TOTAL, "€0.00");
    waitForText(ENTRIES, "0");

    waitFor(By.name("subject")).sendKeys("user:nobody");
    runReport();
    waitForText(TOTAL, "€0.00");
    assertThat(textOf(ENTRIES)).isEqualTo("0");
    shot("no-spend-report");

    // A subject no budget prices has its spend in no currency: its zero is in none either.
    browser.findElement(By.name("subject")).clear();
    browser.findElement(By.name("subject")).sendKeys("team:nobody");
    runReport();
    waitForText(TOTAL, "0.00");
    assertThat(textOf(ENTRIES)).isEqualTo("0");

    go("#/subjects/user/nobody");
    waitForText(By.cssSelector("[data-test=cost-30d]"), "€0.00");
    assertNoConsoleErrors("reports of no spend");
  }

  @Test
  void theOverviewsSpendOfNoneIsAZeroInTheBudgetsCurrency() throws Exception {
    assertThat(send("PUT", "/v1/policies/user:*?reason=setup", "{\"budget\":{\"currency\":\"EUR\",\"daily\":\"10.00\"}}", ADMIN_KEY)
        .statusCode()).isBetween(200, 201);
    signInAs(ADMIN_KEY);

    go("#/");
    waitForText(By.cssSelector("[data-test=stat-today]"), "€0.00");
    waitForText(By.cssSelector("[data-test=stat-month]"), "€0.00");
    assertNoConsoleErrors("an overview of no spend");
  }
}
