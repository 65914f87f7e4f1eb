package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * A platform with euro and dollar budgets, and some spend no budget prices. Every page shows one
 * total, and one chart, per currency, each amount with its own symbol, and nothing that adds euros
 * to dollars: the sums across currencies (3.80 of the two, 3.85 with the unpriced spend) appear
 * nowhere.
 */
class CurrenciesBrowserTest extends BrowserTestSupport {
  private static final List<String> SUMS_ACROSS_CURRENCIES = List.of("3.80", "3.85");

  @BeforeAll
  void spendInTwoCurrencies() throws Exception {
    budget("team:eu", "EUR");
    budget("team:us", "USD");
    recordUsage("{\"user\":\"ann\",\"team\":\"eu\",\"provider\":\"openai\"}", "1.10");
    recordUsage("{\"user\":\"ann\",\"team\":\"eu\",\"provider\":\"anthropic\"}", "0.40");
    recordUsage("{\"user\":\"bob\",\"team\":\"us\",\"provider\":\"openai\"}", "2.00");
    // One user in both teams: 0.10 in euros and 0.20 in dollars, never 0.30 of anything.
    recordUsage("{\"user\":\"dee\",\"team\":\"eu\",\"provider\":\"openai\"}", "0.10");
    recordUsage("{\"user\":\"dee\",\"team\":\"us\",\"provider\":\"openai\"}", "0.20");
    recordUsage("{\"user\":\"cy\",\"provider\":\"openai\"}", "0.05");
  }

  private void budget(String selector, String currency) throws Exception {
    HttpResponse<String> r = send("PUT", "/v1/policies/" + selector + "?reason=setup",
        "{\"budget\":{\"currency\":\"" + currency + "\",\"daily\":\"100.00\"}}", ADMIN_KEY);
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
  }

  @Test
  void theReportHasOneTotalAndOneChartPerCurrency() throws Exception {
    signInAs(ADMIN_KEY);
    go("#/reports");
    waiting().until(d -> d.findElements(By.cssSelector("[data-test=report-total]")).size() == 3);
    assertThat(totals()).containsExactly("EUR €1.60", "USD $2.20", " 0.05");

    // A column chart per currency, today's column of each in its own currency.
    List<WebElement> charts = browser.findElements(By.cssSelector(".currency-split"));
    assertThat(charts).extracting(c -> c.getAttribute("data-currency")).containsExactly("EUR", "USD", "");
    assertThat(lastBar("EUR")).contains("€1.60");
    assertThat(lastBar("USD")).contains("$2.20");
    assertThat(lastBar("")).contains(": 0.05");
    // The table names each row's currency and writes its cost in it.
    assertThat(headers()).contains("currency");
    assertThat(browser.findElements(By.cssSelector("[data-test=report-row]")))
        .extracting(r -> r.getAttribute("data-currency") + " " + r.findElement(By.cssSelector("td.num:last-child")).getText())
        .containsExactly("EUR €1.60", "USD $2.20", " 0.05");
    shot("currencies-01-report-by-day");
    assertNothingSummedAcrossCurrencies();

    // By provider: a donut per currency, each totalled in its own.
    new Select(browser.findElement(By.name("groupBy"))).selectByValue("provider");
    click(By.xpath("//button[text()='Run report']"));
    waiting().until(d -> d.findElements(By.cssSelector(".donut")).size() == 3);
    assertThat(donutTotal("EUR")).isEqualTo("Total: €1.60");
    assertThat(donutTotal("USD")).isEqualTo("Total: $2.20");
    assertThat(donutTotal("")).isEqualTo("Total: 0.05");
    assertThat(textOf(By.cssSelector(".currency-split[data-currency=EUR] .legend")))
        .contains("openai").contains("€1.20").contains("anthropic").contains("€0.40");
    shot("currencies-02-report-by-provider");
    assertNothingSummedAcrossCurrencies();
    assertNoConsoleErrors("a report in two currencies");
  }

  /** A report whose spend is all in one currency looks as one always did: one total, one chart, no currency column. */
  @Test
  void aReportInOneCurrencyHasOneTotalInIt() throws Exception {
    signInAs(ADMIN_KEY);
    go("#/reports");
    waitFor(By.cssSelector("[data-test=report-total]"));
    browser.findElement(By.name("subject")).sendKeys("team:eu");
    List<WebElement> before = browser.findElements(By.cssSelector("[data-test=report-total]"));
    click(By.xpath("//button[text()='Run report']"));
    waiting().until(d -> d.findElements(By.cssSelector("[data-test=report-total]")).size() == 1
        && !d.findElement(By.cssSelector("[data-test=report-total]")).equals(before.get(0)));
    waitForText(By.cssSelector("[data-test=report-total]"), "€1.60");
    assertThat(browser.findElements(By.cssSelector(".chart"))).hasSize(1);
    assertThat(browser.findElements(By.cssSelector(".currency-split"))).isEmpty();
    assertThat(headers()).doesNotContain("currency");
    assertNoConsoleErrors("a report in one currency");
  }

  @Test
  void theOverviewAndTheSubjectPagesShowSpendPerCurrency() throws Exception {
    signInAs(ADMIN_KEY);
    go("#/overview");
    waiting().until(d -> d.findElements(By.cssSelector("[data-test=stat-today] li")).size() == 3);
    assertThat(textOf(By.cssSelector("[data-test=stat-today]"))).contains("€1.60").contains("$2.20").contains("0.05");
    waitUntilLoaded();
    // Top spenders are ranked within each currency, never against the other's amounts.
    assertThat(textOf(By.cssSelector(".bar-list[data-currency=EUR]"))).contains("user:ann").contains("€1.50")
        .contains("user:dee").contains("€0.10").doesNotContain("user:bob").doesNotContain("$");
    assertThat(textOf(By.cssSelector(".bar-list[data-currency=USD]"))).contains("user:bob").contains("$2.00")
        .contains("user:dee").contains("$0.20").doesNotContain("user:ann").doesNotContain("€");
    shot("currencies-03-overview");
    assertNothingSummedAcrossCurrencies();

    // One user's spend in one currency: as any subject's page, in that currency.
    go("#/subjects/user/ann");
    waitForText(By.cssSelector("[data-test=cost-30d]"), "€1.50");
    waitFor(By.cssSelector(".donut"));
    // One user's spend in two: a total and a chart for each, not 0.30 of anything.
    go("#/subjects/user/dee");
    waitForText(By.cssSelector("[data-test=cost-30d]"), "€0.10 · $0.20");
    waiting().until(d -> d.findElements(By.cssSelector(".chart")).size() == 2);
    waiting().until(d -> d.findElements(By.cssSelector(".donut")).size() == 4);
    assertThat(browser.findElement(By.tagName("main")).getText()).doesNotContain("0.30");
    shot("currencies-04-subject-in-two-currencies");
    assertNoConsoleErrors("overview and subjects in two currencies");
  }

  private List<String> headers() {
    return browser.findElements(By.cssSelector("thead th")).stream().map(th -> th.getText().toLowerCase(java.util.Locale.ROOT)).toList();
  }

  /** "EUR €1.60": each total's currency and the amount shown. */
  private List<String> totals() {
    return browser.findElements(By.cssSelector("[data-test=report-total]")).stream()
        .map(t -> t.getAttribute("data-currency") + " " + t.getText()).toList();
  }

  private String lastBar(String currency) {
    return (String) script("const bars = document.querySelectorAll(`.currency-split[data-currency='${arguments[0]}'] .chart rect.bar`);"
        + " return bars[bars.length - 1].textContent;", currency);
  }

  private String donutTotal(String currency) {
    return (String) script("return document.querySelector(`.currency-split[data-currency='${arguments[0]}'] .donut-total`)"
        + ".parentNode.querySelector('title').textContent;", currency);
  }

  private void assertNothingSummedAcrossCurrencies() {
    String page = browser.findElement(By.tagName("main")).getText()
        + script("return [...document.querySelectorAll('main title')].map((t) => t.textContent).join(' ');");
    for (String sum : SUMS_ACROSS_CURRENCIES) {
      assertThat(page).doesNotContain(sum);
    }
  }
}
