package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * Money is shown to the nano-unit the ledger keeps: every significant decimal, at least two, with
 * thousands grouped, so a spend of one nano-dollar is not "$0.00" and 3.999999999 is not "$3.9999".
 * The donut's total fits in its hole however long the amount is, with the exact total on hover.
 */
class ExactMoneyBrowserTest extends BrowserTestSupport {
  @Test
  void amountsShowEverySignificantDecimalAndTheDonutTotalFitsItsHole() throws Exception {
    HttpResponse<String> policy = send("PUT", "/v1/policies/user:*?reason=limits",
        "{\"budget\":{\"currency\":\"USD\",\"daily\":\"50.00\"}}", ADMIN_KEY);
    assertThat(policy.statusCode()).as(policy.body()).isBetween(200, 201);
    recordUsage("{\"user\":\"ann\",\"provider\":\"openai\"}", "0.000000001");
    recordUsage("{\"user\":\"ben\",\"provider\":\"openai\"}", "3.999999999");
    recordUsage("{\"user\":\"cy\",\"provider\":\"openai\"}", "1239.251999999");

    browser.get(base + "/");
    signIn(ADMIN_KEY);
    waitForText(By.cssSelector("[data-test=stat-today]"), "$1,243.251999999");

    go("#/subjects/user/ann");
    waitForText(By.cssSelector("[data-test=cost-30d]"), "$0.000000001");
    waitForText(By.cssSelector(".usage[data-kind=budget_daily] [data-test=remaining]"), "$49.999999999 left");

    go("#/subjects/user/ben");
    waitForText(By.cssSelector("[data-test=cost-30d]"), "$3.999999999");
    waitForText(By.cssSelector(".usage[data-kind=budget_daily] [data-test=remaining]"), "$46.000000001 left");

    go("#/subjects/user/cy");
    waitForText(By.cssSelector("[data-test=cost-30d]"), "$1,239.251999999");
    waitFor(By.cssSelector(".donut-total"));
    shot("money-01-subject-cy");
    // The hole is 76 units across; the total must stay inside it, and the exact amount is its title.
    @SuppressWarnings("unchecked")
    List<Number> widths = (List<Number>) script(
        "return [...document.querySelectorAll('.donut-total')].map((t) => t.getBBox().width);");
    assertThat(widths).isNotEmpty().allSatisfy(w -> assertThat(w.doubleValue()).isLessThanOrEqualTo(76));
    assertThat((String) script("return document.querySelector('.donut-total').parentNode.querySelector('title').textContent;"))
        .isEqualTo("Total: $1,239.251999999");
    assertNoConsoleErrors("pages with long amounts");
  }
}
