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

/** The console's shell: the skip link, the phone menu across route changes, and tables wider than their panel. */
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
    assertNoConsoleErrors("taken selector");
  }
}
