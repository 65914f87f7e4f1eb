package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;

/**
 * On a 375px phone a table of four columns fits its panel: the overview's budgets at risk show their
 * amounts used without scrolling, a subject's id giving up the room it keeps on a wider screen and
 * an amount used breaking from its limit after the slash.
 */
class PhoneTableFitsBrowserTest extends BrowserTestSupport {
  private static final Dimension PHONE = new Dimension(375, 800);

  /** The wrap's width and how far its table reaches, and each cell's right side, in one script. */
  private static final String GEOMETRY = """
      const wrap = arguments[0];
      return {
        clientWidth: wrap.clientWidth, scrollWidth: wrap.scrollWidth, wrapRight: wrap.getBoundingClientRect().right,
        cellRights: [...wrap.querySelectorAll('th, td')].map(c => c.getBoundingClientRect().right)
      };
      """;

  @AfterEach
  void desktopAgain() {
    browser.manage().window().setSize(SharedBrowser.SIZE);
  }

  @Test
  void theBudgetsAtRiskFitAPhone() throws Exception {
    assertThat(send("PUT", "/v1/policies/user:*?reason=setup", "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"},\"alertThresholds\":[0.8]}",
        ADMIN_KEY).statusCode()).isBetween(200, 201);
    recordUsage("{\"user\":\"alice\"}", "0.95");
    signInAs(ADMIN_KEY);
    browser.manage().window().setSize(PHONE);
    go("#/overview");
    waitForText(By.cssSelector("[data-test=stat-budgets]"), "1");
    waitUntilLoaded();
    scrollTo(By.cssSelector("[data-test=risk] .table-wrap"));

    @SuppressWarnings("unchecked")
    Map<String, Object> table = (Map<String, Object>) script(GEOMETRY, waitFor(By.cssSelector("[data-test=risk] .table-wrap")));
    assertThat(((Number) table.get("scrollWidth")).longValue()).as("risk table width").isLessThanOrEqualTo(((Number) table.get("clientWidth")).longValue());
    double wrapRight = ((Number) table.get("wrapRight")).doubleValue();
    @SuppressWarnings("unchecked")
    List<Number> rights = (List<Number>) table.get("cellRights");
    assertThat(rights).hasSize(8).allSatisfy(right -> assertThat(right.doubleValue()).as("cell inside the panel").isLessThanOrEqualTo(wrapRight + 0.5));
    assertThat(textOf(By.cssSelector("[data-test=risk] tbody tr"))).contains("user:alice").contains("$0.95").contains("$1.00").contains("95%");
    shot("phone-table-fits-risk");
    assertNoConsoleErrors("budgets at risk on a phone");
  }
}
