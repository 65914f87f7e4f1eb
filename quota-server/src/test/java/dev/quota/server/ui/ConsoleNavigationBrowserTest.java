package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * The console's shell: the skip link, the phone menu across route changes, tables wider than their
 * panel, and the new-policy form's refusal of a selector that has a policy.
 */
class ConsoleNavigationBrowserTest extends BrowserTestSupport {
  private static final Dimension DESKTOP = new Dimension(1280, 1400);
  private static final Dimension PHONE = new Dimension(390, 844);

  @BeforeAll
  void signInOnce() {
    signInAs(ADMIN_KEY);
  }

  @AfterEach
  void desktopAgain() {
    browser.manage().window().setSize(DESKTOP);
  }

  @Test
  void skipLinkMovesFocusToTheMainContentAndKeepsTheRoute() {
    go("#/policies");
    waitUntilLoaded();
    WebElement skip = browser.findElement(By.cssSelector("a.skip"));
    script("arguments[0].focus()", skip);
    skip.sendKeys(Keys.ENTER);
    waiting().until(d -> "main".equals(script("return document.activeElement.id")));
    assertThat(script("return location.hash")).isEqualTo("#/policies");
    assertThat(textOf(By.cssSelector("main h1"))).isEqualTo("Policies");
    assertNoConsoleErrors("skip link");
  }

  @Test
  void phoneMenuClosesOnBackAndOnATypedAddress() {
    browser.manage().window().setSize(PHONE);
    go("#/overview");
    waitForPage("overview");
    go("#/policies");
    waitForPage("policies");

    openMenu();
    browser.navigate().back();
    waitForPage("overview");
    assertMenuClosed();

    openMenu();
    go("#/audit");
    waitForPage("audit");
    assertMenuClosed();
    assertNoConsoleErrors("phone menu");
  }

  /** A keyboard user closes the open phone menu with Escape, as any disclosure, and is back on its button. */
  @Test
  void phoneMenuClosesOnEscapeAndGivesFocusBackToItsButton() {
    browser.manage().window().setSize(PHONE);
    try {
      go("#/overview");
      waitForPage("overview");
      WebElement toggle = waitFor(By.cssSelector(".menu-toggle"));
      toggle.sendKeys(Keys.ENTER);
      waitFor(By.cssSelector("nav#nav.open"));
      toggle.sendKeys(Keys.TAB);
      assertThat(script("return document.activeElement.closest('nav') !== null")).isEqualTo(true);

      browser.switchTo().activeElement().sendKeys(Keys.ESCAPE);
      assertMenuClosed();
      assertThat(script("return document.activeElement === arguments[0]", toggle)).isEqualTo(true);
      assertNoConsoleErrors("phone menu and Escape");
    } finally {
      browser.manage().window().setSize(DESKTOP);
    }
  }

  /** On a phone the menu's links are hidden while it is closed, so this waits for the route, not for a visible link. */
  private void waitForPage(String nav) {
    waiting().until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("[data-nav=" + nav + "][aria-current=page]")));
  }

  private void openMenu() {
    click(By.cssSelector(".menu-toggle"));
    waitFor(By.cssSelector("nav#nav.open"));
    assertThat(browser.findElement(By.cssSelector(".menu-toggle")).getAttribute("aria-expanded")).isEqualTo("true");
  }

  private void assertMenuClosed() {
    waiting().until(d -> !d.findElement(By.id("nav")).getAttribute("class").contains("open"));
    assertThat(browser.findElement(By.id("nav")).isDisplayed()).isFalse();
    assertThat(browser.findElement(By.cssSelector(".menu-toggle")).getAttribute("aria-expanded")).isEqualTo("false");
  }

  @Test
  void newPolicyForATakenSelectorIsRefusedAndPointsToItsEditForm() throws Exception {
    HttpResponse<String> put = send("PUT", "/v1/policies/tool:web_search",
        "{\"rateLimits\":[{\"limit\":7,\"window\":\"PT1M\"}]}", ADMIN_KEY);
    assertThat(put.statusCode()).as(put.body()).isBetween(200, 201);
    String before = get("/v1/policies/tool:web_search").body();

    go("#/policies/new");
    waitFor(By.name("selector")).sendKeys("tool:web_search");
    click(By.cssSelector("[data-test=add-rate]"));
    waitFor(By.name("rateLimits.0.limit")).sendKeys("1");
    click(By.cssSelector("[data-test=save-policy]"));
    By error = By.cssSelector("[data-error-for=selector]");
    waitForText(error, "a policy for tool:web_search already exists: edit it instead");
    assertThat(browser.findElement(By.name("selector")).getAttribute("aria-invalid")).isEqualTo("true");
    assertThat(get("/v1/policies/tool:web_search").body()).isEqualTo(before);
    assertNoConsoleErrorsExcept("taken selector", "/v1/policies/tool%3Aweb_search", "status of 412");

    // The link opens the existing policy, whose form still saves over it.
    click(By.cssSelector("[data-test=edit-existing]"));
    waitForText(By.cssSelector("main h1"), "Edit policy");
    WebElement limit = waitFor(By.name("rateLimits.0.limit"));
    assertThat(limit.getAttribute("value")).isEqualTo("7");
    limit.clear();
    limit.sendKeys("9");
    click(By.cssSelector("[data-test=save-policy]"));
    waitFor(By.cssSelector("tr[data-selector='tool:web_search']"));
    assertThat(get("/v1/policies/tool:web_search").body()).contains("\"limit\":9");

    // A free selector is still created.
    go("#/policies/new");
    waitFor(By.name("selector")).sendKeys("tool:image_gen");
    click(By.cssSelector("[data-test=add-rate]"));
    waitFor(By.name("rateLimits.0.limit")).sendKeys("3");
    click(By.cssSelector("[data-test=save-policy]"));
    waitFor(By.cssSelector("tr[data-selector='tool:image_gen']"));
    assertNoConsoleErrors("free selector");
  }

  /**
   * Another admin creates the selector's policy while the form is open, at the last moment: just
   * before the form's request leaves, after any look the form could take first. The form's create
   * is refused and the other admin's policy stays as they made it.
   */
  @Test
  void aPolicyCreatedElsewhereWhileTheFormIsOpenIsNotReplaced() throws Exception {
    go("#/policies/new");
    waitFor(By.name("selector")).sendKeys("provider:openai");
    click(By.cssSelector("[data-test=add-rate]"));
    waitFor(By.name("rateLimits.0.limit")).sendKeys("1");
    waitFor(By.name("reason")).sendKeys("from the form");
    script("const original = window.fetch, key = arguments[0];"
        + "window.fetch = async (url, init) => {"
        + "  if (init && init.method === 'PUT' && String(url).startsWith('/v1/policies/provider%3Aopenai')) {"
        + "    window.fetch = original;"
        + "    await original('/v1/policies/provider:openai?reason=elsewhere', { method: 'PUT',"
        + "      headers: { Authorization: 'Bearer ' + key, 'Content-Type': 'application/json' },"
        + "      body: JSON.stringify({ rateLimits: [{ limit: 4, window: 'PT1M' }] }) });"
        + "  }"
        + "  return original(url, init);"
        + "};", ADMIN_KEY);
    click(By.cssSelector("[data-test=save-policy]"));

    waitForText(By.cssSelector("[data-error-for=selector]"), "a policy for provider:openai already exists: edit it instead");
    assertThat(browser.findElement(By.cssSelector("[data-test=edit-existing]")).getAttribute("href"))
        .endsWith("#/policies/edit/provider%3Aopenai");
    assertThat(get("/v1/policies/provider:openai").body()).contains("\"limit\":4");
    assertThat(get("/v1/audit?target=provider:openai").body())
        .contains("\"reason\":\"elsewhere\"").doesNotContain("from the form");
    assertNoConsoleErrorsExcept("policy created elsewhere", "/v1/policies/provider%3Aopenai", "status of 412");
  }

  @Test
  void tablesWiderThanTheirPanelScrollSidewaysByKeyboard() throws Exception {
    HttpResponse<String> put = send("PUT", "/v1/policies/user:*",
        "{\"budget\":{\"daily\":\"1.00\",\"currency\":\"USD\"},\"alertThresholds\":[0.8]}", ADMIN_KEY);
    assertThat(put.statusCode()).as(put.body()).isBetween(200, 201);
    commit(reserve("alice-from-the-research-team", "0.95", 201), "0.95");
    assertThat(post("/v1/overrides", "{\"selector\":\"user:bob\",\"bypass\":true,\"expiresAt\":\""
        + clock.instant().plusSeconds(86400) + "\",\"reason\":\"load test of the research pipeline\"}").statusCode()).isEqualTo(201);

    // Half-width panel at a narrow desktop width: the budget table must still reach its State column.
    browser.manage().window().setSize(new Dimension(960, 1000));
    go("#/audit");
    go("#/overview");
    waitForText(By.cssSelector("[data-test=stat-budgets]"), "1");
    assertLastColumnReachable(By.cssSelector("[data-test=risk] .table-wrap"), false);

    browser.manage().window().setSize(PHONE);
    go("#/policies");
    waitFor(By.cssSelector("tr[data-selector]"));
    assertLastColumnReachable(By.cssSelector("main .table-wrap"), true);
    go("#/overrides");
    waitFor(By.cssSelector("tr[data-selector='user:bob']"));
    assertLastColumnReachable(By.cssSelector("main .table-wrap"), true);
    shot("13-phone-overrides-scrolled");
    assertNoConsoleErrors("wide tables");
  }

  /** The wrap is a named, focusable scroll region, and the arrow keys bring the last column's cell into its view. */
  private void assertLastColumnReachable(By wrapBy, boolean mustOverflow) {
    WebElement wrap = waitFor(wrapBy);
    assertThat(wrap.getAttribute("tabindex")).isEqualTo("0");
    assertThat(wrap.getAttribute("role")).isEqualTo("region");
    assertThat(wrap.getAttribute("aria-label")).isNotBlank();
    long scrollWidth = (Long) script("return arguments[0].scrollWidth", wrap);
    long clientWidth = (Long) script("return arguments[0].clientWidth", wrap);
    if (mustOverflow) {
      assertThat(scrollWidth).as("table wider than its wrap").isGreaterThan(clientWidth);
    }
    if (scrollWidth > clientWidth) {
      assertThat(script("return getComputedStyle(arguments[0]).overflowX", wrap)).isEqualTo("auto");
    }
    WebElement last = wrap.findElement(By.cssSelector("tbody tr:first-child td:last-child"));
    // Typing into the wrap focuses it first: only a focusable region takes the keys.
    int presses = 0;
    do {
      wrap.sendKeys(Keys.ARROW_RIGHT);
    } while (++presses < 20 && !insideWrap(wrap, last));
    assertThat(script("return document.activeElement === arguments[0]", wrap)).isEqualTo(true);
    assertThat(insideWrap(wrap, last)).as("last column scrolled into view").isTrue();
  }

  private boolean insideWrap(WebElement wrap, WebElement cell) {
    return (Boolean) script("const w = arguments[0].getBoundingClientRect(), c = arguments[1].getBoundingClientRect();"
        + " return c.right <= w.right + 1 && c.left >= w.left - 1", wrap, cell);
  }
}
