package dev.quota.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;

/**
 * On a 375px phone each drop-down of the policy form is as wide as its longest option and inside
 * the screen: a rate limit's Algorithm showed "Sliding wind", its fields two to a line.
 */
class PhoneFormSelectsBrowserTest extends BrowserTestSupport {
  private static final Dimension PHONE = new Dimension(375, 800);

  /**
   * Each drop-down's width, the width it takes for its longest option (a copy of it beside it, sized
   * by its content), its right side and the screen's, in one script.
   */
  private static final String SELECTS = """
      return [...document.querySelectorAll('main form select')].map(s => {
        const copy = s.cloneNode(true);
        copy.style.width = 'auto';
        s.after(copy);
        const needed = copy.getBoundingClientRect().width;
        copy.remove();
        const r = s.getBoundingClientRect();
        return {name: s.name, width: r.width, needed, right: r.right, screen: document.documentElement.clientWidth};
      });
      """;

  @AfterEach
  void desktopAgain() {
    browser.manage().window().setSize(SharedBrowser.SIZE);
  }

  @Test
  void everyDropDownOfThePolicyFormShowsItsOptionsWhole() throws Exception {
    signInAs(ADMIN_KEY);
    browser.manage().window().setSize(PHONE);
    go("#/policies/new");
    click(By.cssSelector("[data-test=add-rate]"));
    waitFor(By.name("rateLimits.0.algorithm"));
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> selects = (List<Map<String, Object>>) script(SELECTS);
    assertThat(selects).extracting(s -> s.get("name")).contains("rateLimits.0.window", "rateLimits.0.algorithm", "mode", "failMode");
    for (Map<String, Object> s : selects) {
      assertThat(number(s, "width")).as(s.get("name") + " width").isGreaterThanOrEqualTo(number(s, "needed") - 0.5);
      assertThat(number(s, "right")).as(s.get("name") + " right side").isLessThanOrEqualTo(number(s, "screen"));
    }
    scrollTo(By.name("rateLimits.0.algorithm"));
    shot("phone-form-selects-policy");
    assertNoConsoleErrors("policy form on a phone");
  }

  private static double number(Map<String, Object> measured, String key) {
    return ((Number) measured.get(key)).doubleValue();
  }
}
