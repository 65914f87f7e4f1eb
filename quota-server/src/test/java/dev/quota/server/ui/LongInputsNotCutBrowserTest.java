package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * What an admin types is refused by the rule it breaks, never cut to what fits and sent as if
 * typed: a reason past the audit log's 1000 characters, a currency code of four letters.
 */
class LongInputsNotCutBrowserTest extends BrowserTestSupport {
  @Test
  void aReasonPastTheAuditLogsLengthIsRefusedInTheDialogAndOneOfCharactersNotUnitsIsTaken() throws Exception {
    assertThat(send("PUT", "/v1/policies/project:long?reason=setup", "{\"concurrency\":3}", ADMIN_KEY).statusCode())
        .isBetween(200, 201);
    signInAs(ADMIN_KEY);
    go("#/policies");
    click(By.cssSelector("tr[data-selector='project:long'] button"));

    WebElement reason = waitFor(By.cssSelector(".modal input[name=reason]"));
    reason.clear();
    // The first 1000 put in by script, the 1001st typed: ChromeDriver types a key at a time, seconds
    // for a thousand, and a length limit on the field refuses the keystroke past it just the same.
    String typed = "r".repeat(1001);
    ((JavascriptExecutor) browser).executeScript("arguments[0].value = arguments[1];", reason, typed.substring(1));
    reason.sendKeys("r");
    assertThat(reason.getAttribute("value")).as("kept as typed").isEqualTo(typed);
    click(By.cssSelector("[data-test=confirm]"));
    assertThat(textOf(By.id("modal-reason-error"))).contains("must be at most 1000 characters");
    assertThat(reason.getAttribute("aria-invalid")).isEqualTo("true");
    assertThat(get("/v1/policies/project:long").statusCode()).as("nothing deleted").isEqualTo(200);

    // 1000 characters, one of them outside the BMP (two UTF-16 units): within the server's rule.
    // Set by script: ChromeDriver cannot type characters outside the BMP.
    String thousand = "r".repeat(999) + "\uD83D\uDE80";
    ((JavascriptExecutor) browser).executeScript("arguments[0].value = arguments[1];", reason, thousand);
    click(By.cssSelector("[data-test=confirm]"));
    waiting().until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector(".backdrop")));
    waiting().until(d -> d.findElements(By.cssSelector("tr[data-selector='project:long']")).isEmpty());
    assertThat(get("/v1/policies/project:long").statusCode()).isEqualTo(404);
    assertThat(get("/v1/audit?limit=1").body()).contains("\uD83D\uDE80");
    assertNoConsoleErrors("a long reason");
  }

  @Test
  void aFourLetterCurrencyIsRefusedBesideItsFieldNotCutToThree() throws Exception {
    signInAs(ADMIN_KEY);
    go("#/policies/new");
    waitFor(By.name("selector")).sendKeys("team:coins");
    waitFor(By.name("budget.daily")).sendKeys("5.00");
    WebElement currency = waitFor(By.name("budget.currency"));
    currency.clear();
    currency.sendKeys("USDX");
    assertThat(currency.getAttribute("value")).isEqualTo("USDX");
    click(By.cssSelector("[data-test=save-policy]"));

    assertThat(errorBeside("budget.currency")).isNotBlank();
    assertThat(get("/v1/policies/team:coins").statusCode()).as("nothing saved").isEqualTo(404);
    assertNoConsoleErrorsExcept("a refused currency", "/v1/policies", "status of 400");
  }
}
