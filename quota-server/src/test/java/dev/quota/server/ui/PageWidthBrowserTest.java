package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.WebElement;

/**
 * No page is wider than the window, from a 320px phone to a desktop: identifiers of the longest
 * valid length (128 characters, none of them a place to break a line) wrap where they are shown,
 * the admin's top bar keeps every link and control on screen at every width, and a rate limit's
 * Remove button lines up with its fields beside them without leaving a gap above it on a phone.
 */
class PageWidthBrowserTest extends BrowserTestSupport {
  private static final Dimension DESKTOP = new Dimension(1280, 1400);
  private static final Dimension PHONE = new Dimension(360, 800);
  private static final String ALICE = ("alice0123456789" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ").repeat(4).substring(0, 128);
  private static final String SEARCH = ("search" + "0123456789abcdefghijklmnopqrstuvwxyz").repeat(4).substring(0, 128);
  private static final String APOLLO = ("apollo" + "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210").repeat(4).substring(0, 128);
  private static final By ROLE = By.cssSelector("[data-test=role]");
  private static final By MENU = By.cssSelector(".menu-toggle");

  @AfterEach
  void desktopAgain() {
    browser.manage().window().setSize(DESKTOP);
  }

  @Test
  void longIdentifiersWrapInsteadOfWideningThePage() throws Exception {
    assertThat(send("PUT", "/v1/policies/user:*?reason=setup",
        "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"},\"alertThresholds\":[0.8]}", ADMIN_KEY).statusCode()).isBetween(200, 201);
    assertThat(send("PUT", "/v1/policies/team:" + SEARCH + "?reason=setup",
        "{\"rateLimits\":[{\"limit\":100,\"window\":\"PT1M\"}]}", ADMIN_KEY).statusCode()).isBetween(200, 201);
    recordUsage("{\"user\":\"" + ALICE + "\",\"team\":\"" + SEARCH + "\",\"project\":\"" + APOLLO + "\"}", "0.95");
    signInAs(ADMIN_KEY);

    go("#/overview");
    waitForText(By.cssSelector("[data-test=stat-budgets]"), "1");
    waitUntilLoaded();
    assertNoWiderThanTheWindow("admin overview");
    // Each spender's id ends before its amount begins.
    for (WebElement row : browser.findElements(By.cssSelector(".bar-list li"))) {
      assertThat(right(row.findElement(By.cssSelector("a")))).as("spender id beside its amount")
          .isLessThanOrEqualTo(left(row.findElement(By.cssSelector(".num"))));
    }
    // The half-width risk table shows its Used and State columns without scrolling.
    WebElement risk = waitFor(By.cssSelector("[data-test=risk] .table-wrap"));
    assertThat((Long) script("return arguments[0].scrollWidth - arguments[0].clientWidth", risk)).as("risk table overflow").isLessThanOrEqualTo(0L);
    shot("page-width-admin-overview");

    browser.manage().window().setSize(PHONE);
    for (String page : List.of("#/overview", "#/subjects", "#/subjects/user/" + ALICE, "#/subjects/user/" + ALICE + "/team/" + SEARCH,
        "#/policies", "#/policies/edit/team%3A" + SEARCH, "#/alerts", "#/audit", "#/reports")) {
      go(page);
      waitUntilLoaded();
      assertNoWiderThanTheWindow(page + " on a phone");
    }
    go("#/subjects/user/" + ALICE);
    waitFor(By.cssSelector("[data-test=usage] .usage"));
    assertNoWiderThanTheWindow("subject page on a phone");
    shot("page-width-phone-subject");
    assertNoConsoleErrors("long identifiers");
  }

  @Test
  void aViewerOfManyLongSubjectsSeesEachInsideItsCard() throws Exception {
    recordUsage("{\"user\":\"" + ALICE + "\"}", "0.50");
    String viewer = issueKey("{\"name\":\"long-ids\",\"role\":\"viewer\",\"subjects\":[\"user:" + ALICE + "\",\"team:" + SEARCH
        + "\",\"project:" + APOLLO + "\"]}");
    signInAs(viewer);
    for (Dimension size : List.of(DESKTOP, PHONE)) {
      browser.manage().window().setSize(size);
      go("#/overview");
      waiting().until(d -> d.findElement(By.cssSelector("[data-test=stat-today]")).getText().contains(APOLLO));
      waitUntilLoaded();
      assertNoWiderThanTheWindow("viewer overview at " + size);
      // Each line's right side and its card's, read in one script rather than two round trips a line.
      @SuppressWarnings("unchecked")
      List<List<Number>> lines = (List<List<Number>>) script("return [...document.querySelectorAll('.stat')].flatMap(card =>"
          + " [...card.querySelectorAll('.stat-split li > *')].map(line =>"
          + "   [line.getBoundingClientRect().right, card.getBoundingClientRect().right]));");
      for (List<Number> line : lines) {
        assertThat(line.get(0).doubleValue()).as("subject line inside its card at " + size).isLessThanOrEqualTo(line.get(1).doubleValue());
      }
      shot("page-width-viewer-overview-" + size.getWidth());
      go("#/subjects");
      waitFor(By.cssSelector("[data-test=my-subject-list]"));
      assertNoWiderThanTheWindow("viewer subjects at " + size);
    }
    assertNoConsoleErrors("viewer of long subjects");
  }

  @Test
  void theAdminTopBarKeepsEveryControlOnScreenAtEveryWidth() throws Exception {
    signInAs(ADMIN_KEY);
    for (int width : List.of(320, 360, 390, 600, 720, 721, 760, 800, 850, 900, 935, 960, 1000, 1100, 1280)) {
      browser.manage().window().setSize(new Dimension(width, 900));
      // A page of fixed content: the bar alone decides the width.
      go("#/policies/new");
      waitUntilLoaded();
      waitFor(ROLE);
      // Each width's geometry is read in one script: a WebDriver round trip per side of each
      // control made this test take most of a minute.
      Map<String, Object> bar = measured(BAR);
      assertNoWiderThan(bar, "top bar at " + width + "px");
      assertOnScreenInOneLine(control(bar, "role"), width);
      assertOnScreenInOneLine(control(bar, "signOut"), width);
      boolean collapsed = (Boolean) control(bar, "menu").get("shown");
      if (collapsed) {
        assertOnScreenInOneLine(control(bar, "menu"), width);
        click(MENU);
        waitFor(By.cssSelector("nav#nav.open"));
      }
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> links = (List<Map<String, Object>>) measured(NAV_LINKS).get("links");
      assertThat(links).hasSize(8);
      for (Map<String, Object> link : links) {
        assertThat((Boolean) link.get("shown")).as(link.get("name") + " shown at " + width + "px").isTrue();
        assertOnScreenInOneLine(link, width);
      }
      if (width == 760) {
        shot("page-width-top-bar-760");
      }
      if (collapsed) {
        click(MENU);
      }
    }
    assertNoConsoleErrors("top bar widths");
  }

  @Test
  void removeIsBesideARateLimitsFieldsOnADesktopAndRightUnderThemOnAPhone() throws Exception {
    signInAs(ADMIN_KEY);
    go("#/policies/new");
    click(By.cssSelector("[data-test=add-rate]"));
    By remove = By.cssSelector(".rate-row button");
    // Side by side: the button sits in the band of the inputs, not of their labels.
    WebElement limit = waitFor(By.name("rateLimits.0.limit"));
    WebElement button = waitFor(remove);
    assertThat(top(button)).as("Remove below the labels").isGreaterThanOrEqualTo(top(limit));
    assertThat(bottom(button)).as("Remove within the inputs' height").isLessThanOrEqualTo(bottom(limit));

    // Stacked: the button follows the last field at the row's spacing.
    browser.manage().window().setSize(PHONE);
    WebElement algorithm = waitFor(By.name("rateLimits.0.algorithm"));
    button = waitFor(remove);
    assertThat(top(button)).as("Remove under the Algorithm field").isGreaterThan(bottom(algorithm));
    double gap = ((Number) script("const s = getComputedStyle(arguments[0].closest('.rate-row'));"
        + " return parseFloat(getComputedStyle(arguments[1].closest('.field')).marginBottom) + parseFloat(s.rowGap)", button, algorithm)).doubleValue();
    assertThat(top(button) - bottom(algorithm)).as("space above Remove on a phone").isLessThanOrEqualTo(gap + 1);
    shot("page-width-phone-rate-row");
    assertNoConsoleErrors("rate limit rows");
  }

  private void assertNoWiderThanTheWindow(String where) {
    assertNoWiderThan(measured("return {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth}"), where);
  }

  /** Shown, inside the window, and on one line (at 760px "Audit log" and "API keys" each broke onto two). */
  private void assertOnScreenInOneLine(Map<String, Object> el, int width) {
    String name = el.get("name") + " at " + width + "px";
    assertThat((Boolean) el.get("shown")).as(name + " shown").isTrue();
    assertThat(number(el, "left")).as(name + " left").isGreaterThanOrEqualTo(0);
    assertThat(number(el, "right")).as(name + " right").isLessThanOrEqualTo(number(el, "innerWidth"));
    assertThat(number(el, "lines")).as(name + " lines").isLessThan(1.5);
  }

  private static void assertNoWiderThan(Map<String, Object> page, String where) {
    assertThat(number(page, "scrollWidth")).as("page width of " + where).isLessThanOrEqualTo(number(page, "innerWidth"));
  }

  /**
   * What a control looks like on screen, as WebDriver would tell it: its text, sides, whether it
   * is shown, and how many lines of its own line height its content box holds.
   */
  private static final String MEASURE = """
      const measure = el => {
        if (!el) return null;
        const r = el.getBoundingClientRect();
        const s = getComputedStyle(el);
        return {
          name: el.innerText.trim(), left: r.left, right: r.right, innerWidth: window.innerWidth,
          shown: r.width > 0 && r.height > 0 && el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true}),
          lines: (r.height - parseFloat(s.paddingTop) - parseFloat(s.paddingBottom)
              - parseFloat(s.borderTopWidth) - parseFloat(s.borderBottomWidth)) / parseFloat(s.lineHeight)
        };
      };
      const byXpath = x => document.evaluate(x, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;
      """;
  private static final String BAR = MEASURE + """
      return {
        scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
        role: measure(document.querySelector('[data-test=role]')),
        signOut: measure(byXpath("//header//button[text()='Sign out']")),
        menu: measure(document.querySelector('.menu-toggle'))
      };
      """;
  private static final String NAV_LINKS = MEASURE + "return {links: [...document.querySelectorAll('nav a')].map(measure)};";

  @SuppressWarnings("unchecked")
  private Map<String, Object> measured(String js) {
    return (Map<String, Object>) script(js);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> control(Map<String, Object> bar, String name) {
    assertThat(bar.get(name)).as(name + " in the top bar").isNotNull();
    return (Map<String, Object>) bar.get(name);
  }

  private static double number(Map<String, Object> measured, String key) {
    return ((Number) measured.get(key)).doubleValue();
  }

  private double rect(WebElement el, String side) {
    return ((Number) script("return arguments[0].getBoundingClientRect()." + side, el)).doubleValue();
  }

  private double left(WebElement el) {
    return rect(el, "left");
  }

  private double right(WebElement el) {
    return rect(el, "right");
  }

  private double top(WebElement el) {
    return rect(el, "top");
  }

  private double bottom(WebElement el) {
    return rect(el, "bottom");
  }
}
